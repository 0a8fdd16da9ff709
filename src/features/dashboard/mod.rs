//! The home page: what Digame is for visitors, the tool dashboard for members.

use crate::components::AuthState;
use crate::domain::CurrentUser;
use crate::error::AppError;
use crate::features::auth::pages::VerifyEmailNotice;
use crate::features::onboarding::recommend::{because, Recommendation};
use crate::features::tools::pages::unlock_action;
use crate::features::tools::{words, ToolAccess, ToolCard, TOOLS};
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod service;

/// Everything the dashboard shows, read in one call: the tenant's flags and the person's
/// keys once for both the picks and the cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    pub picks: Vec<Recommendation>,
    pub cards: Vec<ToolCard>,
}

#[server(endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardView, AppError> {
    use crate::features::groups::service::outside_groups;
    use crate::features::tenancy::service::flags_and_limits_of;
    use crate::features::{onboarding, tools::gate};
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let data = service::read(&state.db, &person).await?;
    let (flags, limits) = flags_and_limits_of(&state.db, &person).await?;
    let outside = outside_groups(&state.db, &person, &limits).await?;
    let access = gate::access_from(&person, flags, outside, data.keys);
    Ok(DashboardView {
        picks: onboarding::service::picks_from(&data.onboarding, &access.open_flags()),
        cards: gate::cards(&access, &person),
    })
}

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = AuthState::use_context();
    let l = crate::locale::current();
    view! {
        <Suspense fallback=move || view! { <p class="muted">{td_string!(l, shell.loading)}</p> }>
            {move || auth.user.get().map(|res| match res {
                Ok(Some(user)) => view! { <Dashboard user/> }.into_any(),
                _ => view! { <Landing/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Landing() -> impl IntoView {
    let l = crate::locale::current();
    view! {
        <Title text=td_string!(l, dashboard.landing.title)/>
        <section class="hero">
            <h1>{td_string!(l, dashboard.landing.heading)}</h1>
            <p class="lead">{td_string!(l, dashboard.landing.lead)}</p>
            <p class="hero-actions">
                <a class="button" href="/register">{td_string!(l, dashboard.landing.create)}</a>
                <a class="button button-quiet" href="/login">{td_string!(l, dashboard.landing.sign_in)}</a>
            </p>
        </section>
        <section class="tool-grid" aria-label=td_string!(l, dashboard.landing.tools)>
            {TOOLS.iter().map(|t| view! {
                <article class="tool-card">
                    <h2>{words::title(l, t.id)}</h2>
                    <p>{words::summary(l, t.id)}</p>
                </article>
            }).collect_view()}
        </section>
    }
}

#[component]
fn Dashboard(user: CurrentUser) -> impl IntoView {
    let data = Resource::new(|| (), |_| dashboard());
    let is_admin = user.is_admin;
    let query = use_query_map();
    let welcome = move || query.read().get("welcome").is_some();
    let verified = move || query.read().get("verified").is_some();
    let unverified_email = (!user.email_verified).then(|| user.email.clone());
    let l = crate::locale::current();
    let name = user.name.clone();
    let company = user.tenant_name.clone();
    let plan = words::plan_name(l, &user.tier);
    let company_of_two_factor = user.tenant_name.clone();
    let company_of_cards = user.tenant_name.clone();
    let plan_of_cards = user.tier.clone();
    view! {
        <Title text=td_string!(l, dashboard.title)/>
        <section class="page-head">
            <h1>{td!(l, dashboard.welcome, name)}</h1>
            <p class="muted">{td!(l, dashboard.plan, company, plan)}</p>
            <Show when=welcome>
                <p class="alert alert-success" role="status">{td_string!(l, dashboard.setup_saved)}</p>
            </Show>
            <Show when=verified>
                <p class="alert alert-success" role="status">{td_string!(l, dashboard.verified)}</p>
            </Show>
        </section>
        {unverified_email.map(|email| view! { <VerifyEmailNotice email/> })}
        {user.needs_two_factor.then(move || {
            let company = company_of_two_factor.clone();
            view! {
                <section class="card notice" aria-labelledby="two-factor-title">
                    <h2 id="two-factor-title">{td_string!(l, dashboard.two_factor.heading)}</h2>
                    <p>{td!(l, dashboard.two_factor.body, company)}</p>
                    <p><a class="button" href="/settings/security#two-factor">{td_string!(l, dashboard.two_factor.action)}</a></p>
                </section>
            }
        })}
        <Suspense fallback=|| ()>
            {move || data.get().map(|res| match res.map(|d| d.picks) {
                Ok(p) if !p.is_empty() => view! { <Picks picks=p/> }.into_any(),
                Ok(_) => view! {
                    <p class="muted small">{td!(l, dashboard.no_picks, <link> = crate::components::link_to("/onboarding"))}</p>
                }.into_any(),
                Err(_) => ().into_any(),
            })}
        </Suspense>
        <Suspense fallback=move || view! { <p class="muted">{td_string!(l, dashboard.loading_tools)}</p> }>
            {move || data.get().map(|res| match res.map(|d| ordered(d.cards, &d.picks)) {
                Ok(cards) => view! {
                    <section class="tool-grid" aria-label=td_string!(l, dashboard.your_tools)>
                        {cards.into_iter().map(|card| view! { <ToolCardView card is_admin company=company_of_cards.clone() plan=plan_of_cards.clone()/> }).collect_view()}
                    </section>
                }.into_any(),
                Err(e) => crate::components::error_alert(&e),
            })}
        </Suspense>
    }
}

/// The tool cards with the person's picks first, most relevant first, then the rest in
/// catalogue order.
fn ordered(mut cards: Vec<ToolCard>, picks: &[Recommendation]) -> Vec<ToolCard> {
    cards.sort_by_key(|c| {
        picks
            .iter()
            .position(|p| p.flag == c.flag)
            .unwrap_or(usize::MAX)
    });
    cards
}

#[component]
fn Picks(picks: Vec<Recommendation>) -> impl IntoView {
    let l = crate::locale::current();
    view! {
        <section class="card picks" aria-labelledby="picks-title">
            <h2 id="picks-title">{td_string!(l, dashboard.picks.heading)}</h2>
            <ol class="pick-list">
                {picks.into_iter().map(|p| view! {
                    <li data-pick=p.flag.info().flag>
                        <strong>{words::title(l, p.flag)}</strong>
                        {(!p.reasons.is_empty()).then(|| view! { <span class="muted small">{format!(" — {}", because(&p.reasons))}</span> })}
                        {(!p.available).then_some(view! { <span class="badge">{td_string!(l, dashboard.picks.locked)}</span> })}
                    </li>
                }).collect_view()}
            </ol>
            <p class="small"><a href="/settings/profile">{td_string!(l, dashboard.picks.change)}</a></p>
        </section>
    }
}

#[component]
fn ToolCardView(card: ToolCard, is_admin: bool, company: String, plan: String) -> impl IntoView {
    // An unlocked tool opens its page; a locked one says exactly what unlocks it, with a
    // link where the person can act.
    let l = crate::locale::current();
    let (badge_class, badge) = words::badge(l, &card.access);
    let tool = words::title(l, card.flag);
    let action = if matches!(card.access, ToolAccess::Available) {
        Some(view! {
            <a class="button button-small" href=card.flag.info().path>{td!(l, tools.open, tool)}</a>
        }.into_any())
    } else {
        unlock_action(l, &card, is_admin)
    };
    view! {
        <article class="tool-card" data-tool=card.flag.info().flag data-access=format!("{:?}", card.access).split([' ', '{']).next().unwrap_or_default().to_owned()>
            <div class="tool-card-head">
                <h2>{tool}</h2>
                <span class=badge_class>{badge}</span>
            </div>
            <p>{words::summary(l, card.flag)}</p>
            <p class="muted small lock-reason">{words::lock_reason(l, &card, &company, &plan)}</p>
            {action}
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ToolId;

    #[test]
    fn the_cards_put_the_picks_first_in_their_order() {
        let card = |t: &crate::domain::tools::ToolInfo| ToolCard {
            flag: t.id,
            title: t.title.to_owned(),
            summary: String::new(),
            access: ToolAccess::Available,
            message: String::new(),
        };
        let pick = |flag: ToolId| Recommendation {
            flag,
            title: String::new(),
            score: 0,
            reasons: Vec::new(),
            available: true,
        };
        let cards = TOOLS.iter().map(card).collect();
        let picks = [pick(ToolId::LanguageTools), pick(ToolId::MeetingInsights)];
        let order: Vec<ToolId> = ordered(cards, &picks).iter().map(|c| c.flag).collect();
        assert_eq!(
            order,
            vec![
                ToolId::LanguageTools,
                ToolId::MeetingInsights,
                ToolId::WritingAssistance,
                ToolId::CommunicationStyle,
                ToolId::EmailPatterns,
                ToolId::TaskPrioritization,
            ]
        );
    }
}
