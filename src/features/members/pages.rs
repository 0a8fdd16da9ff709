//! The members page: people, roles, deactivation and invitations.

use super::{InviteMember, MembersView, RevokeInvitation, SetMemberActive, SetMemberRole};
use crate::components::{
    admin_tabs, field_error, form_error, CopyText, FormAlert, IslandCode, RequireAdmin, TextField,
};
use crate::domain::Role;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminMembersPage() -> impl IntoView {
    // Without JavaScript the invitation form's post comes back here with `?invited=1`, and the
    // new link is read (once: reading takes it from the session) here, outside the views that
    // render again while the page waits, so it is read exactly once.
    let invited =
        leptos_router::hooks::use_query_map().with_untracked(|q| q.get("invited").is_some());
    let shown_once = invited.then(|| Resource::new(|| (), |_| super::new_invitation()));
    view! {
        <Title text="Members"/>
        <RequireAdmin>
            <MembersPanel shown_once/>
        </RequireAdmin>
    }
}

type ShownOnce = Option<Resource<Result<Option<super::InviteCreated>, crate::error::AppError>>>;

#[derive(Clone, Copy)]
struct MemberActions {
    invite: ServerAction<InviteMember>,
    revoke: ServerAction<RevokeInvitation>,
    role: ServerAction<SetMemberRole>,
    active: ServerAction<SetMemberActive>,
}

#[component]
fn MembersPanel(shown_once: ShownOnce) -> impl IntoView {
    let actions = MemberActions {
        invite: ServerAction::<InviteMember>::new(),
        revoke: ServerAction::<RevokeInvitation>::new(),
        role: ServerAction::<SetMemberRole>::new(),
        active: ServerAction::<SetMemberActive>::new(),
    };
    let query = leptos_router::hooks::use_query_map();
    let data = Resource::new(
        move || {
            (
                crate::components::page_number(&query.read().get("page").unwrap_or_default()),
                actions.invite.version().get(),
                actions.revoke.version().get(),
                actions.role.version().get(),
                actions.active.version().get(),
            )
        },
        |(page, ..)| super::list_members(Some(page)),
    );
    let invite_value = actions.invite.value();
    let link = Signal::derive(move || match invite_value.get() {
        Some(Ok(created)) => Some(created),
        _ => shown_once
            .and_then(|r| r.get())
            .and_then(Result::ok)
            .flatten(),
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
            <p class="muted small">"We mail them a link that works once and expires after 7 days. The link is also shown here, once, if you would rather send it yourself; whoever joins with that copy confirms their address by mail afterwards."</p>
            <ActionForm action=actions.invite attr:class="invite-form">
                <FormAlert message=form_error(invite_value)/>
                <TextField label="Their email" name="email" kind="email" id="invite-email" maxlength=254
                    error=field_error(invite_value, "email")/>
                <div class="field">
                    <label for="invite-role">"Role"</label>
                    <select id="invite-role" name="role">
                        <option value=Role::Member.as_str() selected>{Role::Member.label()}</option>
                        <option value=Role::Admin.as_str()>{Role::Admin.label()}</option>
                    </select>
                </div>
                <button type="submit" class="button">"Create invitation"</button>
            </ActionForm>
            <Transition fallback=|| ()>
                {move || link.get().map(|created| {
                    let text = created.link.clone();
                    view! {
                        <div class="alert alert-success" role="status">
                            <p>{format!("Invitation for {} created. Send them this link (it is shown only now):", created.email)}</p>
                            <p><code class="invite-link" data-testid="invite-link">{created.link}</code></p>
                            // The copy button's code loads only here, where a link is shown.
                            <CopyText text label="Copy the link".to_owned()/>
                            <IslandCode/>
                        </div>
                    }
                })}
            </Transition>
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
    let active_admins = data.active_admins;
    let pages = crate::components::pager(
        data.paging,
        "Pages of people",
        ("← Previous", "Next →"),
        |n| {
            let none = leptos_router::params::ParamsMap::new();
            crate::components::page_href("/admin/members", &none, &[], "page", n)
        },
    );
    view! {
        <section class="card">
            <h2>"People"</h2>
            <p class="muted small">{data.seats.clone()}</p>
            <div class="table-wrap">
                <table class="table table-stack">
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                        <th scope="col">"Status"</th><th scope="col">"Groups"</th><th scope="col">"Last sign-in"</th><th scope="col">"Onboarding"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        {data.members.into_iter().map(|m| {
                            let id = m.id.to_string();
                            let id2 = id.clone();
                            // The last active administrator cannot step down (the server
                            // refuses it): the button is not offered.
                            let last_admin = m.is_admin && m.active && active_admins <= 1;
                            view! {
                                <tr data-member=m.email.clone()>
                                    <td>{m.name.clone()}{m.is_you.then_some(" (you)")}</td>
                                    <td data-label="Email">{m.email.clone()}</td>
                                    <td data-label="Role">{if m.is_admin { "Administrator" } else { "Member" }}</td>
                                    <td data-label="Status">{if m.active { "Active" } else { "Deactivated" }}</td>
                                    <td data-label="Groups" data-groups>{if m.groups.is_empty() { "—".to_owned() } else { m.groups.join(", ") }}</td>
                                    <td data-label="Last sign-in">{m.last_sign_in.as_deref().map_or_else(|| "Never".into(), crate::util::time_words)}</td>
                                    <td data-label="Onboarding">{if m.onboarding_completed { "Finished" } else { "Not yet" }}</td>
                                    <td class="cell-actions"><div class="row-actions">
                                        {(!last_admin).then(|| view! {
                                            <ActionForm action=actions.role attr:class="inline-form">
                                                <input type="hidden" name="member_id" value=id/>
                                                <input type="hidden" name="role" value=if m.is_admin { Role::Member.as_str() } else { Role::Admin.as_str() }/>
                                                <button type="submit" class="button button-small button-quiet">
                                                    {if m.is_admin { "Make member" } else { "Make administrator" }}
                                                </button>
                                            </ActionForm>
                                        })}
                                        {last_admin.then(|| view! {
                                            <span class="muted small" data-last-admin>"The only administrator"</span>
                                        })}
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
            {pages}
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
                                <span>{format!("{} · {} · expires {}", i.email, i.role.as_str(), crate::util::time_words(&i.expires))}</span>
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
