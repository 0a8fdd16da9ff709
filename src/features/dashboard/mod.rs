//! The home page: what Digame is for visitors, the tool dashboard for members.

use crate::components::AuthState;
use crate::domain::CurrentUser;
use crate::error::AppError;
use crate::features::auth::pages::VerifyEmailNotice;
use crate::features::onboarding::recommend::{because, Recommendation};
use crate::features::tools::pages::unlock_action;
use crate::features::tools::{ToolAccess, ToolCard, TOOLS};
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
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || auth.user.get().map(|res| match res {
                Ok(Some(user)) => view! { <Dashboard user/> }.into_any(),
                _ => view! { <Landing/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Landing() -> impl IntoView {
    view! {
        <Title text="AI productivity tools for teams"/>
        <section class="hero">
            <h1>"Work clearer, meet better, prioritise faster."</h1>
            <p class="lead">
                "Digame gives your company six AI productivity tools — writing help, communication-style \
                 analysis, meeting insights, email patterns, language tools and task prioritisation — \
                 each switched on by your administrators and run with your own service keys."
            </p>
            <p class="hero-actions">
                <a class="button" href="/register">"Create your company's account"</a>
                <a class="button button-quiet" href="/login">"Sign in"</a>
            </p>
        </section>
        <section class="tool-grid" aria-label="The tools">
            {TOOLS.iter().map(|t| view! {
                <article class="tool-card">
                    <h2>{t.title}</h2>
                    <p>{t.summary}</p>
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
    view! {
        <Title text="Dashboard"/>
        <section class="page-head">
            <h1>{format!("Welcome, {}", user.name)}</h1>
            <p class="muted">{format!("{} · {} plan", user.tenant_name, user.tier)}</p>
            <Show when=welcome>
                <p class="alert alert-success" role="status">"Your setup is saved. Your picks are below, most relevant first."</p>
            </Show>
            <Show when=verified>
                <p class="alert alert-success" role="status">"Your email address is confirmed: the tools are yours to use."</p>
            </Show>
        </section>
        {unverified_email.map(|email| view! { <VerifyEmailNotice email/> })}
        {user.needs_two_factor.then(|| view! {
            <section class="card notice" aria-labelledby="two-factor-title">
                <h2 id="two-factor-title">"Set up two-factor sign-in"</h2>
                <p>{format!("{} requires a second step at sign-in for everyone. Until you set it up, the tools, API keys and invitations wait.", user.tenant_name)}</p>
                <p><a class="button" href="/settings/security#two-factor">"Set it up now"</a></p>
            </section>
        })}
        <Suspense fallback=|| ()>
            {move || data.get().map(|res| match res.map(|d| d.picks) {
                Ok(p) if !p.is_empty() => view! { <Picks picks=p/> }.into_any(),
                Ok(_) => view! {
                    <p class="muted small">"Tell us about your work and we will recommend tools: "
                        <a href="/onboarding">"open the setup"</a>"."</p>
                }.into_any(),
                Err(_) => ().into_any(),
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p class="muted">"Loading your tools…"</p> }>
            {move || data.get().map(|res| match res.map(|d| ordered(d.cards, &d.picks)) {
                Ok(cards) => view! {
                    <section class="tool-grid" aria-label="Your tools">
                        {cards.into_iter().map(|card| view! { <ToolCardView card is_admin/> }).collect_view()}
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
    view! {
        <section class="card picks" aria-labelledby="picks-title">
            <h2 id="picks-title">"Your picks"</h2>
            <ol class="pick-list">
                {picks.into_iter().map(|p| view! {
                    <li data-pick=p.flag.info().flag>
                        <strong>{p.title.clone()}</strong>
                        {(!p.reasons.is_empty()).then(|| view! { <span class="muted small">{format!(" — {}", because(&p.reasons))}</span> })}
                        {(!p.available).then_some(view! { <span class="badge">"Locked"</span> })}
                    </li>
                }).collect_view()}
            </ol>
            <p class="small"><a href="/settings/profile">"Change your setup"</a></p>
        </section>
    }
}

#[component]
fn ToolCardView(card: ToolCard, is_admin: bool) -> impl IntoView {
    // An unlocked tool opens its page; a locked one says exactly what unlocks it, with a
    // link where the person can act.
    let (badge_class, badge) = match &card.access {
        ToolAccess::Available => ("badge badge-ok", "Ready"),
        ToolAccess::NeedsKey { .. } => ("badge badge-warn", "Needs your key"),
        ToolAccess::SwitchedOff => ("badge", "Switched off"),
        ToolAccess::NotInGroup { .. } => ("badge", "For other groups"),
        ToolAccess::NotInTier { .. } => ("badge", "Not in your plan"),
        ToolAccess::AccountInactive => ("badge", "Unavailable"),
        ToolAccess::EmailNotVerified => ("badge badge-warn", "Confirm your email"),
        ToolAccess::TwoFactorRequired => ("badge badge-warn", "Needs two-factor sign-in"),
    };
    let action = if matches!(card.access, ToolAccess::Available) {
        Some(view! {
            <a class="button button-small" href=card.flag.info().path>{format!("Open {}", card.title)}</a>
        }.into_any())
    } else {
        unlock_action(&card, is_admin)
    };
    view! {
        <article class="tool-card" data-tool=card.flag.info().flag data-access=format!("{:?}", card.access).split([' ', '{']).next().unwrap_or_default().to_owned()>
            <div class="tool-card-head">
                <h2>{card.title.clone()}</h2>
                <span class=badge_class>{badge}</span>
            </div>
            <p>{card.summary.clone()}</p>
            <p class="muted small lock-reason">{card.message.clone()}</p>
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
