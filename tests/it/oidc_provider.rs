//! A small OpenID Connect provider on loopback for the single sign-on tests: discovery, its
//! signing keys (two RSA keys from `tests/fixtures`, one signing at a time), an authorization
//! endpoint that signs in whoever the test says without asking, and a token endpoint that
//! checks the client's secret, the code and its PKCE verifier and answers an ID token signed
//! by the `openidconnect` crate. The test can rotate the keys and spoil the next token's nonce.
//! The browser-tier tests use a real, certified provider (`oidc-provider` from npm); this one
//! lets the Rust tests set every claim.

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use openidconnect::core::{
    CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    AdditionalClaims, Audience, EndUserEmail, EndUserName, IdToken, IdTokenClaims, IssuerUrl,
    JsonWebKeyId, Nonce, PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "digame-test";
pub const CLIENT_SECRET: &str = "a-client-secret-for-tests";

/// Who the provider signs in next.
#[derive(Debug, Clone)]
pub struct Who {
    pub sub: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub groups: Vec<String>,
}

impl Who {
    pub fn new(sub: &str, email: &str) -> Who {
        Who {
            sub: sub.into(),
            email: Some(email.into()),
            email_verified: true,
            name: Some("Pat Provider".into()),
            groups: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Groups {
    groups: Vec<String>,
}

impl AdditionalClaims for Groups {}

struct Grant {
    nonce: String,
    challenge: String,
    redirect_uri: String,
    who: Who,
}

struct Inner {
    who: Who,
    signing: usize,
    published: Vec<usize>,
    codes: HashMap<String, Grant>,
    spoil_nonce: bool,
    claims_in_user_info_only: bool,
    access: HashMap<String, Who>,
    jwks_requests: u32,
}

#[derive(Clone)]
pub struct Provider {
    pub issuer: String,
    inner: Arc<Mutex<Inner>>,
}

const KEYS: [(&str, &str); 2] = [
    ("key-1", include_str!("../fixtures/oidc-test-key-1.pem")),
    ("key-2", include_str!("../fixtures/oidc-test-key-2.pem")),
];

fn signing_key(i: usize) -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(KEYS[i].1, Some(JsonWebKeyId::new(KEYS[i].0.into())))
        .expect("the test key reads")
}

impl Provider {
    /// Starts answering on a free loopback port.
    pub async fn start(who: Who) -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let provider = Provider {
            issuer,
            inner: Arc::new(Mutex::new(Inner {
                who,
                signing: 0,
                published: vec![0],
                codes: HashMap::new(),
                spoil_nonce: false,
                claims_in_user_info_only: false,
                access: HashMap::new(),
                jwks_requests: 0,
            })),
        };
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(user_info))
            .with_state(provider.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        provider
    }

    pub fn sign_in_as(&self, who: Who) {
        self.inner.lock().unwrap().who = who;
    }

    /// Signs with the second key from now on, and publishes only it.
    pub fn rotate_keys(&self) {
        let mut inner = self.inner.lock().unwrap();
        inner.signing = 1;
        inner.published = vec![1];
    }

    pub fn spoil_next_nonce(&self) {
        self.inner.lock().unwrap().spoil_nonce = true;
    }

    /// The ID token carries the subject alone from now on; the rest is in UserInfo.
    pub fn claims_in_user_info_only(&self) {
        self.inner.lock().unwrap().claims_in_user_info_only = true;
    }

    pub fn jwks_requests(&self) -> u32 {
        self.inner.lock().unwrap().jwks_requests
    }
}

async fn discovery(State(p): State<Provider>) -> Json<serde_json::Value> {
    let base = &p.issuer;
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "scopes_supported": ["openid", "email", "profile"],
        "claims_supported": ["sub", "email", "email_verified", "name", "groups"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(State(p): State<Provider>) -> Json<serde_json::Value> {
    let published = {
        let mut inner = p.inner.lock().unwrap();
        inner.jwks_requests += 1;
        inner.published.clone()
    };
    let keys: Vec<_> = published
        .into_iter()
        .map(|i| serde_json::to_value(signing_key(i).as_verification_key()).unwrap())
        .collect();
    Json(json!({ "keys": keys }))
}

async fn authorize(
    State(p): State<Provider>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| q.get(k).cloned().unwrap_or_default();
    if field("client_id") != CLIENT_ID
        || field("response_type") != "code"
        || field("code_challenge_method") != "S256"
        || !field("scope").split(' ').any(|s| s == "openid")
    {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    }
    let code = format!("code-{}", rand_token());
    let redirect_uri = field("redirect_uri");
    let mut inner = p.inner.lock().unwrap();
    let who = inner.who.clone();
    inner.codes.insert(
        code.clone(),
        Grant {
            nonce: field("nonce"),
            challenge: field("code_challenge"),
            redirect_uri: redirect_uri.clone(),
            who,
        },
    );
    let state = field("state");
    Redirect::to(&format!(
        "{redirect_uri}?code={code}&state={}",
        url_encode(&state)
    ))
    .into_response()
}

async fn token(
    State(p): State<Provider>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let field = |k: &str| f.get(k).cloned().unwrap_or_default();
    let (grant, signing, spoil, bare) = {
        let mut inner = p.inner.lock().unwrap();
        let spoil = std::mem::take(&mut inner.spoil_nonce);
        let bare = inner.claims_in_user_info_only;
        (
            inner.codes.remove(&field("code")),
            inner.signing,
            spoil,
            bare,
        )
    };
    let Some(grant) = grant else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(field("code_verifier").as_bytes()));
    if field("grant_type") != "authorization_code"
        || challenge != grant.challenge
        || field("redirect_uri") != grant.redirect_uri
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"error": "invalid_grant", "error_description": "PKCE or redirect mismatch"}),
            ),
        )
            .into_response();
    }
    let access_token = format!("at-{}", rand_token());
    p.inner
        .lock()
        .unwrap()
        .access
        .insert(access_token.clone(), grant.who.clone());
    let mut who = grant.who;
    if bare {
        who = Who {
            email: None,
            email_verified: false,
            name: None,
            groups: Vec::new(),
            ..who
        };
    }
    let now = chrono::Utc::now();
    let mut standard = StandardClaims::<CoreGenderClaim>::new(SubjectIdentifier::new(who.sub));
    if !bare {
        standard = standard.set_email_verified(Some(who.email_verified));
    }
    if let Some(email) = who.email {
        standard = standard.set_email(Some(EndUserEmail::new(email)));
    }
    if let Some(name) = who.name {
        standard = standard.set_name(Some(EndUserName::new(name).into()));
    }
    let nonce = if spoil {
        "another-sign-in".to_owned()
    } else {
        grant.nonce
    };
    let claims = IdTokenClaims::new(
        IssuerUrl::new(p.issuer.clone()).unwrap(),
        vec![Audience::new(CLIENT_ID.into())],
        now + chrono::Duration::minutes(5),
        now,
        standard,
        Groups { groups: who.groups },
    )
    .set_nonce(Some(Nonce::new(nonce)));
    let id_token: IdToken<
        Groups,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    > = IdToken::new(
        claims,
        &signing_key(signing),
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .unwrap();
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token.to_string(),
    }))
    .into_response()
}

async fn user_info(State(p): State<Provider>, headers: HeaderMap) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Some(who) = p.inner.lock().unwrap().access.get(token).cloned() else {
        return (StatusCode::UNAUTHORIZED, "invalid_token").into_response();
    };
    Json(json!({
        "sub": who.sub,
        "email": who.email,
        "email_verified": who.email_verified,
        "name": who.name,
        "groups": who.groups,
    }))
    .into_response()
}

fn rand_token() -> String {
    use rand::Rng as _;
    let bytes: [u8; 16] = rand::thread_rng().gen();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
