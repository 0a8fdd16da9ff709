//! Admin → Groups (`/admin/groups`): the company's groups, their people, and who may use
//! each tool. Plain forms: they work the same without JavaScript.

use super::{
    CreateGroup, DeleteGroup, GroupPerson, GroupView, GroupsView, RenameGroup, SetGroupMember,
    SetToolGroups, ToolGroups, MAX_NAME_CHARS,
};
use crate::components::{action_error, error_alert, AdminHead, RequireAdmin};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

/// The page's actions, handed to each part.
#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateGroup>,
    rename: ServerAction<RenameGroup>,
    delete: ServerAction<DeleteGroup>,
    member: ServerAction<SetGroupMember>,
    tool: ServerAction<SetToolGroups>,
}

impl Actions {
    fn version(&self) -> usize {
        self.create.version().get()
            + self.rename.version().get()
            + self.delete.version().get()
            + self.member.version().get()
            + self.tool.version().get()
    }

    /// The latest failure of any of the page's forms.
    fn error(&self) -> Signal<Option<String>> {
        let all = [
            action_error(self.create.value()),
            action_error(self.rename.value()),
            action_error(self.delete.value()),
            action_error(self.member.value()),
            action_error(self.tool.value()),
        ];
        Signal::derive(move || all.iter().find_map(|e| e.get()))
    }

    /// What the form that last succeeded did, as a word of `saved_words`.
    fn done(&self) -> Option<&'static str> {
        let ok = |done: bool, word| done.then_some(word);
        ok(matches!(self.create.value().get(), Some(Ok(()))), "created")
            .or_else(|| ok(matches!(self.rename.value().get(), Some(Ok(()))), "renamed"))
            .or_else(|| ok(matches!(self.delete.value().get(), Some(Ok(()))), "deleted"))
            .or_else(|| ok(matches!(self.member.value().get(), Some(Ok(()))), "members"))
            .or_else(|| ok(matches!(self.tool.value().get(), Some(Ok(()))), "tool"))
    }
}

#[component]
pub fn AdminGroupsPage() -> impl IntoView {
    view! {
        <Title text="Groups"/>
        <RequireAdmin>
            <AdminGroups/>
        </RequireAdmin>
    }
}

fn saved_words(what: &str) -> Option<String> {
    Some(
        match what {
            "created" => "Group made. Add its people below.",
            "renamed" => "Group renamed.",
            "deleted" => "Group deleted.",
            "members" => "Saved: the change applies to their next tool call.",
            "tool" => "Saved: who may use the tool changes at once.",
            _ => return None,
        }
        .to_owned(),
    )
}

#[component]
fn AdminGroups() -> impl IntoView {
    let a = Actions {
        create: ServerAction::new(),
        rename: ServerAction::new(),
        delete: ServerAction::new(),
        member: ServerAction::new(),
        tool: ServerAction::new(),
    };
    let data = Resource::new(move || a.version(), |_| super::admin_groups());
    view! {
        <AdminHead tab="/admin/groups" done=Signal::derive(move || a.done()) words=saved_words error=a.error()/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || data.get().map(|res| match res {
                Ok(v) => view! { <Groups v a/> }.into_any(),
                Err(e) => error_alert(&e),
            })}
        </Suspense>
    }
}

#[component]
fn Groups(v: GroupsView, a: Actions) -> impl IntoView {
    let GroupsView {
        groups,
        people,
        tools,
    } = v;
    let choices: Vec<(i64, String)> = groups.iter().map(|g| (g.id, g.name.clone())).collect();
    view! {
        <section class="card" aria-labelledby="groups-heading">
            <h2 id="groups-heading">"Groups"</h2>
            <p class="muted">"Groups gather people, like Sales or Engineering. Limit a tool to some groups below, and only their people can use it."</p>
            <ActionForm action=a.create attr:class="form-row row-form">
                <div class="field">
                    <label for="new-group">"New group's name"</label>
                    <input id="new-group" name="name" type="text" required=true
                        maxlength=MAX_NAME_CHARS.to_string() autocomplete="off" placeholder="Sales"/>
                </div>
                <button type="submit" class="button button-small">"Make group"</button>
            </ActionForm>
            {groups.is_empty().then(|| view! { <p class="muted">"Your company has no groups yet."</p> })}
        </section>
        {groups.into_iter().map(|g| view! { <Group g people=people.clone() a/> }).collect_view()}
        <section class="card" id="tools" aria-labelledby="tools-heading">
            <h2 id="tools-heading">"Who may use each tool"</h2>
            <p class="muted">"Tick the groups a tool is for; with none ticked, it is for everyone in the company. The plan and the Features page still decide whether a tool is on at all."</p>
            {if choices.is_empty() {
                view! { <p class="muted">"Make a group first to limit a tool to it."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list tool-groups">
                        {tools.into_iter().map(|t| tool_row(t, &choices, a)).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

fn person_words(p: &GroupPerson) -> String {
    format!("{} ({})", p.name, p.email)
}

#[component]
fn Group(g: GroupView, people: Vec<GroupPerson>, a: Actions) -> impl IntoView {
    let others: Vec<GroupPerson> = people
        .into_iter()
        .filter(|p| !g.members.iter().any(|m| m.user_id == p.user_id))
        .collect();
    let heading = format!("group-{}-heading", g.id);
    let labelled_by = heading.clone();
    let count = match g.members.len() {
        0 => "No one yet".to_owned(),
        1 => "1 person".to_owned(),
        n => format!("{n} people"),
    };
    let limits = (!g.tools.is_empty()).then(|| format!(" · Limits: {}", g.tools.join(", ")));
    let members = g
        .members
        .iter()
        .map(|m| member_item(m, g.id, &g.name, a))
        .collect_view();
    let add = (!others.is_empty()).then(|| add_form(&others, g.id, &g.name, a));
    view! {
        <section class="card" id=format!("group-{}", g.id) aria-labelledby=labelled_by>
            <h2 id=heading>{g.name.clone()}</h2>
            <p class="muted">{count}{limits}</p>
            <ul class="plain-list group-members">{members}</ul>
            {add}
            {manage(g.id, g.name, a)}
        </section>
    }
}

fn member_item(m: &GroupPerson, group: i64, group_name: &str, a: Actions) -> impl IntoView {
    let label = format!("Take {} out of {group_name}", m.name);
    let person = m.user_id.to_string();
    view! {
        <li>
            <span>{m.name.clone()}" "<span class="muted small">{m.email.clone()}</span></span>
            {(!m.active).then(|| view! { <span class="badge">"Deactivated"</span> })}
            <ActionForm action=a.member attr:class="inline-form">
                <input type="hidden" name="group" value=group.to_string()/>
                <input type="hidden" name="person" value=person/>
                <input type="hidden" name="add" value="false"/>
                <button type="submit" class="button button-small button-danger-quiet"
                    aria-label=label>"Take out"</button>
            </ActionForm>
        </li>
    }
}

fn add_form(others: &[GroupPerson], group: i64, group_name: &str, a: Actions) -> impl IntoView {
    let field = format!("group-{group}-add");
    let label = format!("Add to {group_name}");
    let options = others
        .iter()
        .map(|p| view! { <option value=p.user_id.to_string()>{person_words(p)}</option> })
        .collect_view();
    view! {
        <ActionForm action=a.member attr:class="form-row row-form">
            <input type="hidden" name="group" value=group.to_string()/>
            <input type="hidden" name="add" value="true"/>
            <div class="field">
                <label for=field.clone()>{label}</label>
                <select id=field name="person" required=true>{options}</select>
            </div>
            <button type="submit" class="button button-small">"Add"</button>
        </ActionForm>
    }
}

fn manage(group: i64, name: String, a: Actions) -> impl IntoView {
    let field = format!("group-{group}-name");
    let delete = format!("Delete {name}");
    view! {
        <details class="group-manage">
            <summary>"Rename or delete"</summary>
            <ActionForm action=a.rename attr:class="form-row row-form">
                <input type="hidden" name="group" value=group.to_string()/>
                <div class="field">
                    <label for=field.clone()>"Name"</label>
                    <input id=field name="name" type="text" required=true
                        maxlength=MAX_NAME_CHARS.to_string() value=name autocomplete="off"/>
                </div>
                <button type="submit" class="button button-small">"Rename"</button>
            </ActionForm>
            <ActionForm action=a.delete attr:class="form-row row-form">
                <input type="hidden" name="group" value=group.to_string()/>
                <button type="submit" class="button button-small button-danger">{delete}</button>
            </ActionForm>
        </details>
    }
}

fn tool_row(t: ToolGroups, choices: &[(i64, String)], a: Actions) -> impl IntoView {
    let flag = t.tool.info().flag;
    let state = if !t.in_tier {
        Some("Not in your plan")
    } else if !t.enabled {
        Some("Switched off")
    } else {
        None
    };
    let legend = format!("{} is for", t.title);
    let checks = choices
        .iter()
        .map(|(id, name)| {
            view! {
                <label class="choice">
                    <input type="checkbox" name=format!("groups[g{id}]") value="on"
                        checked=t.groups.contains(id)/>
                    {name.clone()}
                </label>
            }
        })
        .collect_view();
    let now = if t.groups.is_empty() {
        "Now: everyone in the company."
    } else {
        "Now: only the groups ticked."
    };
    view! {
        <li id=format!("tool-{flag}")>
            <ActionForm action=a.tool attr:class="tool-groups-form">
                <input type="hidden" name="tool" value=flag/>
                <fieldset class="choices">
                    <legend>
                        {legend}
                        {state.map(|s| view! { " " <span class="badge">{s}</span> })}
                    </legend>
                    <div class="checks">{checks}</div>
                    <p class="muted small">{now}</p>
                </fieldset>
                <button type="submit" class="button button-small">"Save"</button>
            </ActionForm>
        </li>
    }
}
