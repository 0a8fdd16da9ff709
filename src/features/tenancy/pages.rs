//! The tenant admin pages: features, members and invitations, the audit log.

use super::{
    AuditView, FeaturesView, InviteMember, MembersView, RevokeInvitation, SetFeature,
    SetMemberActive, SetMemberRole,
};
use crate::components::{field_error, form_error, AuthState, FormAlert, RequireUser, TextField};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Shows its children to tenant admins; everyone else gets the 403 page.
#[component]
pub fn RequireAdmin(children: ChildrenFn) -> impl IntoView {
    let auth = AuthState::use_context();
    let children = StoredValue::new(children);
    view! {
        <RequireUser>
            {move || auth.user.get().map(|res| match res {
                Ok(Some(u)) if u.is_admin => children.read_value()().into_any(),
                Ok(Some(u)) => view! { <Forbidden tenant=u.tenant_name/> }.into_any(),
                _ => ().into_any(),
            })}
        </RequireUser>
    }
}

#[component]
fn Forbidden(tenant: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <Title text="Not allowed"/>
        <section class="card narrow">
            <h1>"Administrators only"</h1>
            <p>{format!("This page is for the administrators of {tenant}. If you need a change here, ask one of them.")}</p>
            <p><a class="button" href="/">"Back to the dashboard"</a></p>
        </section>
    }
}

pub fn admin_tabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        let here = href == current;
        view! { <a href=href class:tab-current=here aria-current=here.then_some("page")>{label}</a> }
    };
    view! {
        <nav class="tabs" aria-label="Administration">
            {tab("/admin/features", "Features")}
            {tab("/admin/members", "Members")}
            {tab("/admin/onboarding", "Onboarding")}
            {tab("/admin/audit", "Audit log")}
        </nav>
    }
}

#[component]
pub fn AdminFeaturesPage() -> impl IntoView {
    view! {
        <Title text="Features"/>
        <RequireAdmin>
            <FeaturesPanel/>
        </RequireAdmin>
    }
}

#[component]
fn FeaturesPanel() -> impl IntoView {
    let set = ServerAction::<SetFeature>::new();
    let view_data = Resource::new(move || set.version().get(), |_| super::list_features());
    let query = use_query_map();
    let notice = Signal::derive(move || {
        (matches!(set.value().get(), Some(Ok(()))) || query.read().get("saved").is_some())
            .then(|| "Saved. Members see the change on their next page.".to_owned())
    });
    view! {
        <section class="page-head">
            <h1>"Administration"</h1>
            {admin_tabs("/admin/features")}
            <FormAlert message=notice success=true/>
            <FormAlert message=form_error(set.value())/>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || view_data.get().map(|res| match res {
                Ok(data) => view! { <FeatureList data set/> }.into_any(),
                Err(e) => crate::components::error_alert(&e),
            })}
        </Suspense>
    }
}

#[component]
fn FeatureList(data: FeaturesView, set: ServerAction<SetFeature>) -> impl IntoView {
    view! {
        <p class="muted">{format!("Your company is on the {} plan. Switch tools on or off for everyone in it.", data.tier)}</p>
        <ul class="flag-list">
            {data.rows.into_iter().map(|row| {
                let status = if !row.in_tier {
                    format!("Not in your plan ({} includes it)", row.tier_needed.clone().unwrap_or_default())
                } else if row.enabled { "On".to_owned() } else { "Off".to_owned() };
                let badge = if row.enabled { "badge badge-ok" } else { "badge" };
                let flag = row.flag.clone();
                let data_flag = row.flag.clone();
                view! {
                    <li class="flag-row card" data-flag=data_flag>
                        <div>
                            <h2>{row.title.clone()}</h2>
                            <span class=badge>{status}</span>
                        </div>
                        {row.in_tier.then(move || view! {
                            <ActionForm action=set attr:class="inline-form">
                                <input type="hidden" name="flag" value=flag/>
                                <input type="hidden" name="enabled" value=if row.enabled { "false" } else { "true" }/>
                                <button type="submit" class="button button-small" class:button-quiet=row.enabled>
                                    {if row.enabled { format!("Switch off {}", row.title) } else { format!("Switch on {}", row.title) }}
                                </button>
                            </ActionForm>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn AdminMembersPage() -> impl IntoView {
    view! {
        <Title text="Members"/>
        <RequireAdmin>
            <MembersPanel/>
        </RequireAdmin>
    }
}

#[derive(Clone, Copy)]
struct MemberActions {
    invite: ServerAction<InviteMember>,
    revoke: ServerAction<RevokeInvitation>,
    role: ServerAction<SetMemberRole>,
    active: ServerAction<SetMemberActive>,
}

#[component]
fn MembersPanel() -> impl IntoView {
    let actions = MemberActions {
        invite: ServerAction::<InviteMember>::new(),
        revoke: ServerAction::<RevokeInvitation>::new(),
        role: ServerAction::<SetMemberRole>::new(),
        active: ServerAction::<SetMemberActive>::new(),
    };
    let data = Resource::new(
        move || {
            (
                actions.invite.version().get(),
                actions.revoke.version().get(),
                actions.role.version().get(),
                actions.active.version().get(),
            )
        },
        |_| super::list_members(),
    );
    let invite_value = actions.invite.value();
    let link = Signal::derive(move || match invite_value.get() {
        Some(Ok(created)) => Some(created),
        _ => None,
    });
    let errors = Signal::derive(move || {
        [
            form_error(actions.revoke.value()).get(),
            form_error(actions.role.value()).get(),
            form_error(actions.active.value()).get(),
            field_error(actions.role.value(), "role").get(),
            field_error(actions.active.value(), "active").get(),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    view! {
        <section class="page-head">
            <h1>"Administration"</h1>
            {admin_tabs("/admin/members")}
            <FormAlert message=errors/>
        </section>
        <section class="card invite-card">
            <h2>"Invite someone"</h2>
            <p class="muted small">"They get a link that works once and expires after 7 days. There is no email sending yet: copy the link to them yourself."</p>
            <ActionForm action=actions.invite attr:class="invite-form">
                <FormAlert message=form_error(invite_value)/>
                <TextField label="Their email" name="email" kind="email" id="invite-email" maxlength=254
                    error=field_error(invite_value, "email")/>
                <div class="field">
                    <label for="invite-role">"Role"</label>
                    <select id="invite-role" name="role">
                        <option value="member" selected>"Member"</option>
                        <option value="admin">"Administrator"</option>
                    </select>
                </div>
                <button type="submit" class="button">"Create invitation"</button>
            </ActionForm>
            {move || link.get().map(|created| view! {
                <div class="alert alert-success" role="status">
                    <p>{format!("Invitation for {} created. Send them this link (it is shown only now):", created.email)}</p>
                    <p><code class="invite-link" data-testid="invite-link">{created.link}</code></p>
                </div>
            })}
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || data.get().map(|res| match res {
                Ok(d) => view! { <MemberTables data=d actions/> }.into_any(),
                Err(e) => crate::components::error_alert(&e),
            })}
        </Suspense>
    }
}

#[component]
fn MemberTables(data: MembersView, actions: MemberActions) -> impl IntoView {
    let invitations = data.invitations.clone();
    view! {
        <section class="card">
            <h2>"People"</h2>
            <p class="muted small">{data.seats.clone()}</p>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                        <th scope="col">"Status"</th><th scope="col">"Last sign-in"</th><th scope="col">"Onboarding"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        {data.members.into_iter().map(|m| {
                            let id = m.id.to_string();
                            let id2 = id.clone();
                            view! {
                                <tr data-member=m.email.clone()>
                                    <td>{m.name.clone()}{m.is_you.then_some(" (you)")}</td>
                                    <td>{m.email.clone()}</td>
                                    <td>{if m.is_admin { "Administrator" } else { "Member" }}</td>
                                    <td>{if m.active { "Active" } else { "Deactivated" }}</td>
                                    <td>{m.last_sign_in.clone().unwrap_or_else(|| "Never".into())}</td>
                                    <td>{if m.onboarding_completed { "Finished" } else { "Not yet" }}</td>
                                    <td><div class="row-actions">
                                        <ActionForm action=actions.role attr:class="inline-form">
                                            <input type="hidden" name="member_id" value=id/>
                                            <input type="hidden" name="role" value=if m.is_admin { "member" } else { "admin" }/>
                                            <button type="submit" class="button button-small button-quiet">
                                                {if m.is_admin { "Make member" } else { "Make administrator" }}
                                            </button>
                                        </ActionForm>
                                        {(!m.is_you).then(|| view! {
                                            <ActionForm action=actions.active attr:class="inline-form">
                                                <input type="hidden" name="member_id" value=id2/>
                                                <input type="hidden" name="active" value=if m.active { "false" } else { "true" }/>
                                                <button type="submit" class="button button-small button-danger-quiet">
                                                    {if m.active { "Deactivate" } else { "Reactivate" }}
                                                </button>
                                            </ActionForm>
                                        })}
                                    </div></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="card">
            <h2>"Pending invitations"</h2>
            {if invitations.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list">
                        {invitations.into_iter().map(|i| view! {
                            <li data-invitation=i.email.clone()>
                                <span>{format!("{} · {} · expires {}", i.email, i.role, i.expires)}</span>
                                <ActionForm action=actions.revoke attr:class="inline-form">
                                    <input type="hidden" name="invitation_id" value=i.id.to_string()/>
                                    <button type="submit" class="button button-small button-danger-quiet">"Revoke"</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    view! {
        <Title text="Audit log"/>
        <RequireAdmin>
            <AuditPanel/>
        </RequireAdmin>
    }
}

#[component]
fn AuditPanel() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        (
            q.get("page")
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(1),
            q.get("action").unwrap_or_default(),
            q.get("actor").unwrap_or_default(),
        )
    };
    let data = Resource::new(params, |(page, action, actor)| async move {
        super::list_audit(page, action, actor).await
    });
    view! {
        <section class="page-head">
            <h1>"Administration"</h1>
            {admin_tabs("/admin/audit")}
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || data.get().map(|res| match res {
                Ok(d) => view! { <AuditTable data=d/> }.into_any(),
                Err(e) => crate::components::error_alert(&e),
            })}
        </Suspense>
    }
}

#[component]
fn AuditTable(data: AuditView) -> impl IntoView {
    let query = use_query_map();
    let current_action = query.read_untracked().get("action").unwrap_or_default();
    let current_actor = query.read_untracked().get("actor").unwrap_or_default();
    let page_link = {
        let (a, p) = (current_action.clone(), current_actor.clone());
        move |page: i64| {
            format!(
                "/admin/audit?page={page}&action={}&actor={}",
                crate::util::encode_query_value(&a),
                crate::util::encode_query_value(&p)
            )
        }
    };
    let prev = (data.page > 1).then(|| page_link(data.page - 1));
    let next = data.has_more.then(|| page_link(data.page + 1));
    view! {
        // A plain GET form: filtering works the same with or without JavaScript.
        <form method="get" action="/admin/audit" class="filters card">
            <div class="field">
                <label for="audit-action">"Action"</label>
                <select id="audit-action" name="action">
                    <option value="" selected=current_action.is_empty()>"All actions"</option>
                    {data.actions.iter().map(|a| view! {
                        <option value=a.clone() selected=*a == current_action>{a.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="audit-actor">"Person"</label>
                <select id="audit-actor" name="actor">
                    <option value="" selected=current_actor.is_empty()>"Everyone"</option>
                    {data.people.iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=id.to_string() == current_actor>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button button-small">"Filter"</button>
        </form>
        <section class="card">
            {if data.rows.is_empty() {
                view! { <p class="muted">"Nothing recorded for this filter."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead><tr>
                                <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Action"</th>
                                <th scope="col">"Target"</th><th scope="col">"Before"</th><th scope="col">"After"</th>
                            </tr></thead>
                            <tbody>
                                {data.rows.into_iter().map(|r| view! {
                                    <tr>
                                        <td>{r.when}</td><td>{r.actor}</td><td class="mono">{r.action}</td>
                                        <td>{r.target}</td>
                                        <td class="mono small">{r.before.unwrap_or_default()}</td>
                                        <td class="mono small">{r.after.unwrap_or_default()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <nav class="pager" aria-label="Pages">
                {prev.map(|href| view! { <a href=href>"← Newer"</a> })}
                <span class="muted small">{format!("Page {}", data.page)}</span>
                {next.map(|href| view! { <a href=href>"Older →"</a> })}
            </nav>
        </section>
    }
}
