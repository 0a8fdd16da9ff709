//! The interface's language: the browser's `Accept-Language` when nothing is chosen, the
//! sign-in page's switcher (a cookie), the company's default and the person's own choice, in
//! that order of precedence from last to first; `<html lang dir>` says which.

use crate::common::{add_member, new_client, person, spawn_app, TestApp};
use digame::entities::audit_events;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// A page's HTML as `client` gets it, with `accept_language` when given.
async fn page(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    accept_language: Option<&str>,
) -> String {
    let mut req = client.get(app.url(path));
    if let Some(value) = accept_language {
        req = req.header("accept-language", value);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

fn html_tag(body: &str) -> &str {
    let start = body.find("<html").expect("an <html> element");
    let end = start + body[start..].find('>').unwrap();
    &body[start..=end]
}

#[tokio::test]
async fn the_sign_in_page_speaks_the_browser_s_language_or_the_visitor_s_choice() {
    let app = spawn_app().await;
    let client = new_client();

    // Nothing chosen, no preference: English.
    let body = page(&app, &client, "/login", None).await;
    assert!(
        html_tag(&body).contains(r#"lang="en""#),
        "{}",
        html_tag(&body)
    );
    assert!(html_tag(&body).contains(r#"dir="ltr""#));
    assert!(body.contains("Sign in to Digame"));

    // The browser's languages, best first among those we speak.
    let body = page(&app, &client, "/login", Some("ja,de-AT;q=0.9,en;q=0.5")).await;
    assert!(
        html_tag(&body).contains(r#"lang="de""#),
        "{}",
        html_tag(&body)
    );
    assert!(body.contains("Bei Digame anmelden"), "German heading");
    assert!(body.contains("Passwort vergessen?"));
    assert!(!body.contains("Sign in to Digame"));

    // Arabic is written right to left.
    let body = page(&app, &client, "/register", Some("ar-EG")).await;
    assert!(html_tag(&body).contains(r#"lang="ar""#));
    assert!(html_tag(&body).contains(r#"dir="rtl""#));
    assert!(body.contains("أنشئ حسابك على Digame"));

    // The switcher keeps the visitor's choice over the browser's and goes back.
    let res = client
        .get(app.url("/language?lang=pt-BR&next=/login%3Fsigned_out%3D1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        "/login?signed_out=1"
    );
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("digame_lang=pt-BR;"), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let body = page(&app, &client, "/login?signed_out=1", Some("de")).await;
    assert!(html_tag(&body).contains(r#"lang="pt-BR""#));
    assert!(body.contains("Você saiu da sua conta."));

    // Another site as `next` is not followed; an unknown language is refused, nothing kept.
    let res = client
        .get(app.url("/language?lang=fr&next=//evil.example/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"].to_str().unwrap(), "/");
    let res = client
        .get(app.url("/language?lang=klingon&next=/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("set-cookie").is_none());
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["detail"]["field"], "lang", "{body}");
    // The French choice above was kept.
    let body = page(&app, &client, "/login", None).await;
    assert!(html_tag(&body).contains(r#"lang="fr""#));
}

#[tokio::test]
async fn a_person_s_choice_beats_the_company_s_default_which_beats_the_browser() {
    let app = spawn_app().await;
    let email = app.register("languages").await;
    let admin = person(&app, &email).await;
    let (member, _) = add_member(&app, admin.tenant.id, "languages-member").await;

    // The browser says Spanish, nothing is chosen: Spanish.
    let body = page(&app, &member, "/settings/profile", Some("es")).await;
    assert!(html_tag(&body).contains(r#"lang="es""#));
    assert!(
        body.contains("Cerrar sesión"),
        "the Spanish sign-out button"
    );

    // The company's default (set by its admin) comes before the browser.
    let (code, _, body) = app.call("admin/language/set", &[("lang", "de")]).await;
    assert_eq!(code, 200, "{body}");
    let body = page(&app, &member, "/settings/profile", Some("es")).await;
    assert!(html_tag(&body).contains(r#"lang="de""#));
    assert!(body.contains("Abmelden"));
    let audited = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(admin.tenant.id))
        .filter(audit_events::Column::Action.eq("tenant.default_language"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the change is audited");
    assert!(audited.after_value.unwrap().contains("\"de\""));

    // A member cannot change the company's default.
    let (code, _, _) = app
        .call_with(&member, "admin/language/set", &[("lang", "fr")])
        .await;
    assert_eq!(code, 403);

    // The person's own choice comes first; an unknown one is refused on its field.
    let (code, _, body) = app
        .call_with(&member, "account/language/set", &[("lang", "tlh")])
        .await;
    assert_eq!(
        (code, body["detail"]["field"].as_str()),
        (400, Some("lang"))
    );
    let (code, _, body) = app
        .call_with(&member, "account/language/set", &[("lang", "ar")])
        .await;
    assert_eq!(code, 200, "{body}");
    let body = page(&app, &member, "/settings/profile", Some("es")).await;
    assert!(html_tag(&body).contains(r#"lang="ar""#) && html_tag(&body).contains(r#"dir="rtl""#));
    let (_, _, choices) = app.call_with(&member, "account/language", &[]).await;
    assert_eq!(choices["chosen"], "ar");
    assert_eq!(choices["company_default"], "de");
    // The admin, who chose nothing, still sees the company's default.
    let body = page(&app, &app.client, "/settings/profile", Some("es")).await;
    assert!(html_tag(&body).contains(r#"lang="de""#));

    // Back to "not chosen": the company's default again.
    let (code, _, _) = app
        .call_with(&member, "account/language/set", &[("lang", "")])
        .await;
    assert_eq!(code, 200);
    let body = page(&app, &member, "/settings/profile", None).await;
    assert!(html_tag(&body).contains(r#"lang="de""#));
}
