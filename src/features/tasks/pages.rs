//! `/tools/tasks`: the task list with add, edit, complete, archive and delete, filters and
//! sorting, and suggested priorities with their reasons. Every form works without
//! JavaScript (a plain post and a redirect back); with it, the list updates in place.

use super::{
    ApplyPriorities, CreateTask, DeleteTask, SetTaskStatus, Suggestion, TaskRow, TaskSort,
    TaskStatus, TasksView, UpdateTask,
};
use crate::components::{
    error_alert, field_error, form_error, page_href, page_number, pager, FormAlert, RequireUser,
    TextField,
};
use crate::error::AppError;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn TasksPage() -> impl IntoView {
    view! {
        <Title text="Tasks"/>
        <RequireUser>
            <TasksPanel/>
        </RequireUser>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateTask>,
    update: ServerAction<UpdateTask>,
    status: ServerAction<SetTaskStatus>,
    delete: ServerAction<DeleteTask>,
    apply: ServerAction<ApplyPriorities>,
}

#[component]
fn TasksPanel() -> impl IntoView {
    let a = Actions {
        create: ServerAction::new(),
        update: ServerAction::new(),
        status: ServerAction::new(),
        delete: ServerAction::new(),
        apply: ServerAction::new(),
    };
    let query = use_query_map();
    let q = move |k: &str| query.read().get(k).unwrap_or_default();
    // A saved edit closes the edit form, as the plain form post's redirect does.
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if matches!(a.update.value().get(), Some(Ok(()))) {
            navigate("/tools/tasks?saved=1", Default::default());
        }
    });
    let changed = move || {
        (
            a.create.version().get(),
            a.update.version().get(),
            a.status.version().get(),
            a.delete.version().get(),
            a.apply.version().get(),
        )
    };
    let tasks = Resource::new(
        move || (q("status"), q("sort"), page_number(&q("page")), changed()),
        |(status, sort, page, _)| super::list_tasks(status, sort, Some(page)),
    );
    let suggesting = move || !q("suggest").is_empty();
    let suggestions = Resource::new(
        move || (suggesting(), changed()),
        |(on, _)| async move {
            if on {
                super::suggest_priorities().await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    let notice = Signal::derive(move || {
        if let Some(Ok(n)) = a.apply.value().get() {
            return Some(saved_priorities(n));
        }
        let q = query.read();
        if let Some(n) = q.get("applied").and_then(|n| n.parse::<i64>().ok()) {
            Some(saved_priorities(n))
        } else if q.get("saved").is_some() {
            Some("Saved.".to_owned())
        } else if q.get("deleted").is_some() {
            Some("Task deleted.".to_owned())
        } else {
            None
        }
    });
    let errors = Signal::derive(move || {
        [
            form_error(a.status.value()).get(),
            form_error(a.delete.value()).get(),
            form_error(a.apply.value()).get(),
            field_error(a.apply.value(), "task_id").get(),
            field_error(a.status.value(), "status").get(),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    view! {
        <section class="page-head">
            <h1>"Tasks"</h1>
            <p class="muted">"Your own tasks. Suggested priorities come from the due date, urgent words, the status and how long a task has waited, and every point is explained."</p>
            <FormAlert message=notice success=true/>
            <FormAlert message=errors/>
        </section>
        <Transition fallback=|| view! { <p class="muted">"Loading your tasks…"</p> }>
            {move || tasks.get().map(|res| match res {
                Ok(view_data) => {
                    let editing = q("edit").parse::<i64>().ok()
                        .and_then(|id| view_data.tasks.iter().find(|t| t.id == id).cloned());
                    view! {
                        {editing.map(|t| view! { <EditTask task=t action=a.update/> })}
                        <TaskList data=view_data actions=a/>
                    }.into_any()
                }
                Err(e) => error_alert(&e),
            })}
        </Transition>
        <NewTask action=a.create/>
        <section class="card" aria-labelledby="suggest-heading">
            <h2 id="suggest-heading">"Suggested priorities"</h2>
            <Show
                when=suggesting
                fallback=|| view! {
                    <p class="muted small">"See a suggested priority for each open task, with the reasons, before you save any."</p>
                    <p><a class="button" href="/tools/tasks?suggest=1">"Suggest priorities"</a></p>
                }
            >
                <Transition fallback=|| view! { <p class="muted">"Working it out…"</p> }>
                    {move || suggestions.get().map(|res| match res {
                        Ok(Some(list)) => view! { <Suggestions list apply=a.apply/> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => error_alert(&e),
                    })}
                </Transition>
            </Show>
        </section>
    }
}

fn saved_priorities(n: i64) -> String {
    match n {
        1 => "Saved 1 suggested priority.".to_owned(),
        n => format!("Saved {n} suggested priorities."),
    }
}

/// The list, with its filters and sort order as plain links.
#[component]
fn TaskList(data: TasksView, actions: Actions) -> impl IntoView {
    let status_param = data.filter.map(|s| s.as_str()).unwrap_or_default();
    let sort_param = match data.sort {
        TaskSort::Priority => "priority",
        TaskSort::Due => "due",
    };
    let href = move |status: &str, sort: &str| {
        let mut parts = Vec::new();
        if !status.is_empty() {
            parts.push(format!("status={status}"));
        }
        if sort != "priority" {
            parts.push(format!("sort={sort}"));
        }
        if parts.is_empty() {
            "/tools/tasks".to_owned()
        } else {
            format!("/tools/tasks?{}", parts.join("&"))
        }
    };
    let filter_link = move |value: &'static str, label: &'static str| {
        let here = value == status_param;
        view! { <a href=href(value, sort_param) class:tab-current=here aria-current=here.then_some("page")>{label}</a> }
    };
    let empty = data.tasks.is_empty();
    let query = leptos_router::hooks::use_query_map().get_untracked();
    const KEEP: [&str; 2] = ["status", "sort"];
    let pages = pager(
        data.paging,
        "Pages of tasks",
        ("← Previous", "Next →"),
        {
            let query = query.clone();
            move |n| page_href("/tools/tasks", &query, &KEEP, "page", n)
        },
    );
    // "Edit" comes back to this list: same filter, sort and page.
    let here = page_href("/tools/tasks", &query, &KEEP, "page", data.paging.page);
    let edit_base = format!("{here}{}edit=", if here.contains('?') { '&' } else { '?' });
    view! {
        <section class="card" aria-labelledby="list-heading">
            <h2 id="list-heading">"Your tasks"</h2>
            <nav class="tabs" aria-label="Show">
                {filter_link("", "Open and done")}
                {TaskStatus::ALL.into_iter().map(|s| filter_link(s.as_str(), s.label())).collect_view()}
            </nav>
            <p class="small">
                "Sort by: "
                {if data.sort == TaskSort::Priority {
                    view! { <strong>"priority"</strong>" · "<a href=href(status_param, "due")>"due date"</a> }.into_any()
                } else {
                    view! { <a href=href(status_param, "priority")>"priority"</a>" · "<strong>"due date"</strong> }.into_any()
                }}
            </p>
            {if empty {
                view! { <p class="muted">"No tasks here yet. Add one below."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table table-stack">
                            <thead><tr>
                                <th scope="col">"Task"</th><th scope="col">"Due"</th><th scope="col">"Status"</th>
                                <th scope="col">"Priority"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {data.tasks.into_iter().map(|t| view! { <TaskLine task=t actions edit_base=edit_base.clone()/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {pages}
        </section>
    }
}

#[component]
fn TaskLine(task: TaskRow, actions: Actions, edit_base: String) -> impl IntoView {
    let id = task.id.to_string();
    let status_form = move |to: TaskStatus, label: &'static str| {
        let id = id.clone();
        view! {
            <ActionForm action=actions.status attr:class="inline-form">
                <input type="hidden" name="task_id" value=id/>
                <input type="hidden" name="status" value=to.as_str()/>
                <button type="submit" class="button button-small button-quiet">{label}</button>
            </ActionForm>
        }
    };
    let active = task.status.is_active();
    let archived = task.status == TaskStatus::Archived;
    view! {
        <tr data-task=task.title.clone()>
            <td>
                <strong>{task.title.clone()}</strong>
                {(!task.description.is_empty()).then(|| view! { <br/><span class="muted small">{task.description.clone()}</span> })}
            </td>
            <td data-label="Due">{task.due_on.clone().unwrap_or_else(|| "—".into())}</td>
            <td data-label="Status">{task.status.label()}</td>
            <td data-label="Priority" data-priority>{task.priority.map_or_else(|| "—".to_owned(), |p| p.to_string())}</td>
            <td class="cell-actions"><div class="row-actions">
                {active.then(|| status_form(TaskStatus::Done, "Done"))}
                {(!active).then(|| status_form(TaskStatus::Todo, "Reopen"))}
                {(!archived).then(|| status_form(TaskStatus::Archived, "Archive"))}
                <a class="button button-small button-quiet" href=format!("{edit_base}{}", task.id)>"Edit"</a>
                <ActionForm action=actions.delete attr:class="inline-form">
                    <input type="hidden" name="task_id" value=task.id.to_string()/>
                    <button type="submit" class="button button-small button-danger-quiet">"Delete"</button>
                </ActionForm>
            </div></td>
        </tr>
    }
}

/// The messages of the task fields, from an action's last answer.
#[derive(Clone, Copy)]
struct FieldErrors {
    title: Signal<Option<String>>,
    description: Signal<Option<String>>,
    due_on: Signal<Option<String>>,
    status: Signal<Option<String>>,
}

impl FieldErrors {
    fn of<S>(value: S) -> FieldErrors
    where
        S: With<Value = Option<Result<(), AppError>>> + Clone + Send + Sync + 'static,
    {
        FieldErrors {
            title: field_error(value.clone(), "title"),
            description: field_error(value.clone(), "description"),
            due_on: field_error(value.clone(), "due_on"),
            status: field_error(value, "status"),
        }
    }
}

/// The fields of a task, shared by the add and edit forms.
#[component]
fn TaskFields(
    prefix: &'static str,
    #[prop(optional)] task: Option<TaskRow>,
    errors: FieldErrors,
) -> impl IntoView {
    let title = task.as_ref().map(|t| t.title.clone()).unwrap_or_default();
    let description = task
        .as_ref()
        .map(|t| t.description.clone())
        .unwrap_or_default();
    let due = task
        .as_ref()
        .and_then(|t| t.due_on.clone())
        .unwrap_or_default();
    let status = task.as_ref().map_or(TaskStatus::Todo, |t| t.status);
    let description_error = errors.description;
    let status_error = errors.status;
    view! {
        <TextField label="Title" name="title" id=format!("{prefix}-title") maxlength=200
            value=Signal::derive(move || title.clone()) error=errors.title/>
        <div class="field" class:field-invalid=move || description_error.with(Option::is_some)>
            <label for=format!("{prefix}-description")>"Description (optional)"</label>
            <textarea id=format!("{prefix}-description") name="description" rows="3" maxlength="2000">{description}</textarea>
            {move || description_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
        </div>
        <div class="form-row">
            <TextField label="Due date (optional)" name="due_on" kind="date" id=format!("{prefix}-due")
                required=false value=Signal::derive(move || due.clone()) error=errors.due_on/>
            <div class="field" class:field-invalid=move || status_error.with(Option::is_some)>
                <label for=format!("{prefix}-status")>"Status"</label>
                <select id=format!("{prefix}-status") name="status">
                    {TaskStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=s == status>{s.label()}</option>
                    }).collect_view()}
                </select>
                {move || status_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
        </div>
    }
}

#[component]
fn NewTask(action: ServerAction<CreateTask>) -> impl IntoView {
    let value = action.value();
    // In place (with JavaScript), an added task empties the form for the next one.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(()))) {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    view! {
        <section class="card" aria-labelledby="add-heading">
            <h2 id="add-heading">"Add a task"</h2>
            <ActionForm action node_ref=form>
                <FormAlert message=form_error(value)/>
                <TaskFields prefix="new" errors=FieldErrors::of(value)/>
                <button type="submit" class="button">"Add task"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn EditTask(task: TaskRow, action: ServerAction<UpdateTask>) -> impl IntoView {
    let value = action.value();
    let heading = format!("Edit “{}”", task.title);
    let id = task.id.to_string();
    view! {
        <section class="card" aria-labelledby="edit-heading">
            <h2 id="edit-heading">{heading}</h2>
            <ActionForm action>
                <FormAlert message=form_error(value)/>
                <input type="hidden" name="task_id" value=id/>
                <TaskFields prefix="edit" task errors=FieldErrors::of(value)/>
                <button type="submit" class="button">"Save changes"</button>
                " "
                <a class="button button-quiet" href="/tools/tasks">"Cancel"</a>
            </ActionForm>
        </section>
    }
}

#[component]
fn Suggestions(list: Vec<Suggestion>, apply: ServerAction<ApplyPriorities>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted">"No open tasks to prioritize."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table table-stack">
                <thead><tr>
                    <th scope="col">"Task"</th><th scope="col">"Now"</th><th scope="col">"Suggested"</th>
                    <th scope="col">"Why"</th><th scope="col"><span class="visually-hidden">"Save"</span></th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|s| {
                        let why = if s.factors.is_empty() {
                            "Nothing pushes it up: no due date, no urgent words.".to_owned()
                        } else {
                            s.factors.iter().map(|f| format!("+{} {}", f.points, f.reason)).collect::<Vec<_>>().join(", ")
                        };
                        view! {
                            <tr data-suggestion=s.title.clone()>
                                <td>{s.title.clone()}</td>
                                <td data-label="Now">{s.current.map_or_else(|| "—".to_owned(), |p| p.to_string())}</td>
                                <td data-label="Suggested"><strong>{s.suggested}</strong></td>
                                <td data-label="Why" class="small">{why}</td>
                                <td class="cell-actions">
                                    <ActionForm action=apply attr:class="inline-form">
                                        <input type="hidden" name="task_id" value=s.task_id.to_string()/>
                                        <button type="submit" class="button button-small button-quiet">"Save"</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <ActionForm action=apply>
            <input type="hidden" name="task_id" value=""/>
            <button type="submit" class="button">"Save all suggestions"</button>
        </ActionForm>
    }
    .into_any()
}
