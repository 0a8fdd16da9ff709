//! The OpenID Connect relying party: discovery, the authorization code flow with PKCE, and
//! the ID token's checks (signature, issuer, audience, expiry with a minute's leeway, nonce),
//! by the `openidconnect` crate over the shared HTTP client (redirects off, public addresses
//! only unless the operator allows private ones, as for AI services).
//!
//! What the crate leaves to its user, done here: the provider's metadata and signing keys
//! are kept per issuer for [`KEPT_FOR`], and the keys are fetched again when a token names a
//! key that is not among them — the first time at once, then at most once per
//! [`REFETCH_AFTER`] per issuer — so a provider rotating its keys does not lock a company
//! out, and tokens naming unknown keys cannot make this server hammer the provider. Nothing here touches the
//! database: `features::sso` decides what a sign-in means.

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey, CoreJsonWebKeySet,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthType, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, IdTokenFields, IssuerUrl, LoginHint, Nonce,
    OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    SignatureVerificationError, StandardErrorResponse, StandardTokenResponse, TokenResponse as _,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a provider's metadata and keys are used before they are fetched again.
pub const KEPT_FOR: Duration = Duration::from_secs(3600);
/// The least time between two fetches of one provider's keys for unknown key ids.
pub const REFETCH_AFTER: Duration = Duration::from_secs(60);
/// The clock difference allowed on the ID token's expiry.
const LEEWAY_SECONDS: i64 = 60;

/// Every claim of the ID token, kept so the one that lists groups can be read whatever
/// the company named it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AllClaims {
    #[serde(flatten)]
    pub claims: HashMap<String, serde_json::Value>,
}

impl AdditionalClaims for AllClaims {}

type Fields = IdTokenFields<
    AllClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
type IdToken = openidconnect::IdToken<
    AllClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Client = openidconnect::Client<
    AllClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// A company's connection, as the flow needs it.
pub struct Connection<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a SecretString,
    /// This connection's redirect address (`…/sso/{company}/callback`).
    pub redirect: String,
    /// Scopes besides `openid`.
    pub scopes: Vec<String>,
    /// The claim that lists the person's groups.
    pub groups_claim: &'a str,
}

/// What a started sign-in keeps (in the server-side session) until the provider sends the
/// person back: checked and used once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The person, as a verified ID token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// The values of the groups claim (an array of strings, or one string); empty when the
    /// token has no such claim.
    pub groups: Vec<String>,
    /// Google's `hd`: the Workspace domain of the account, when it has one.
    pub hosted_domain: Option<String>,
}

impl Person {
    fn from_claims(
        issuer: String,
        subject: String,
        email: Option<String>,
        email_verified: Option<bool>,
        name: Option<String>,
        extra: &AllClaims,
        groups_claim: &str,
    ) -> Person {
        Person {
            issuer,
            subject,
            email,
            email_verified: email_verified.unwrap_or(false),
            name,
            groups: extra
                .claims
                .get(groups_claim)
                .map(groups_of)
                .unwrap_or_default(),
            hosted_domain: extra
                .claims
                .get("hd")
                .and_then(|v| v.as_str())
                .map(str::to_lowercase),
        }
    }

    /// Fills what the ID token left out from the UserInfo answer: the address (with whether
    /// it is verified), the name and the groups. An address the ID token gave is kept; the
    /// UserInfo answer may only confirm it.
    pub fn complete_with(&mut self, more: Person) {
        match &self.email {
            None => {
                self.email = more.email;
                self.email_verified = more.email_verified;
            }
            Some(own) if !self.email_verified => {
                self.email_verified = more.email.as_ref() == Some(own) && more.email_verified;
            }
            Some(_) => {}
        }
        if self.name.is_none() {
            self.name = more.name;
        }
        if self.groups.is_empty() {
            self.groups = more.groups;
        }
        if self.hosted_domain.is_none() {
            self.hosted_domain = more.hosted_domain;
        }
    }
}

/// What discovery found, for "Test the connection".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: Option<String>,
    pub keys: usize,
    pub scopes_supported: Vec<String>,
    pub claims_supported: Vec<String>,
}

/// Why a step failed; the message is for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The provider could not be asked, or answered something unusable.
    Provider(String),
    /// What came back failed a check (signature, issuer, audience, expiry, nonce).
    Rejected(String),
}

#[derive(Clone)]
struct Known {
    metadata: CoreProviderMetadata,
    fetched: Instant,
    /// When the keys were last fetched again for an unknown key id.
    keys_refetched: Option<Instant>,
}

/// The providers' metadata and keys, kept per issuer; one per process, in the app state.
#[derive(Clone)]
pub struct Providers {
    http: reqwest::Client,
    allow_private: bool,
    known: Arc<Mutex<HashMap<String, Known>>>,
}

impl Providers {
    pub fn new(http: reqwest::Client, allow_private: bool) -> Providers {
        Providers {
            http,
            allow_private,
            known: Arc::default(),
        }
    }

    /// Discovery now, whatever is kept (the admin's "Test the connection"); what it found
    /// replaces what was kept.
    pub async fn test(&self, issuer: &str) -> Result<Found, Failure> {
        let metadata = self.discover(issuer).await?;
        let found = Found {
            issuer: metadata.issuer().to_string(),
            authorization_endpoint: metadata.authorization_endpoint().to_string(),
            token_endpoint: metadata.token_endpoint().map(|u| u.to_string()),
            keys: metadata.jwks().keys().len(),
            scopes_supported: metadata
                .scopes_supported()
                .map(|s| s.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default(),
            claims_supported: metadata
                .claims_supported()
                .map(|c| c.iter().map(|c| c.to_string()).collect())
                .unwrap_or_default(),
        };
        if found.token_endpoint.is_none() {
            return Err(Failure::Provider(
                "The provider names no token endpoint, which the sign-in needs.".into(),
            ));
        }
        Ok(found)
    }

    /// The address to send the person to, and what to keep until they come back.
    pub async fn start(
        &self,
        conn: &Connection<'_>,
        login_hint: Option<&str>,
    ) -> Result<(String, Pending), Failure> {
        let known = self.known(conn.issuer).await?;
        let client = self.client(conn, known.metadata)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &conn.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if let Some(hint) = login_hint.filter(|h| !h.is_empty()) {
            request = request.set_login_hint(LoginHint::new(hint.to_owned()));
        }
        let (url, state, nonce) = request.url();
        // The address goes into the person's browser: only a web address will do.
        let allowed = url.scheme() == "https" || (self.allow_private && url.scheme() == "http");
        if !allowed {
            return Err(Failure::Provider(
                "The provider's authorization endpoint is not an https:// address.".into(),
            ));
        }
        Ok((
            url.to_string(),
            Pending {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
            },
        ))
    }

    /// Exchanges the code the provider sent back (with the PKCE verifier) and checks the ID
    /// token. `pending` must be the one kept for this sign-in, already checked against the
    /// returned `state`.
    pub async fn finish(
        &self,
        conn: &Connection<'_>,
        pending: &Pending,
        code: &str,
    ) -> Result<Person, Failure> {
        let known = self.known(conn.issuer).await?;
        let client = self.client(conn, known.metadata.clone())?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|_| Failure::Provider("The provider names no token endpoint.".into()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| Failure::Provider(token_failure(&e)))?;
        let id_token = tokens
            .id_token()
            .cloned()
            .ok_or_else(|| Failure::Rejected("The provider sent no ID token.".into()))?;
        let nonce = Nonce::new(pending.nonce.clone());
        let (client, mut person) = match self.verify(&client, &id_token, &nonce, conn.groups_claim)
        {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // A key this process has not seen: the provider may have rotated its keys.
                let metadata = self.refetch_keys(conn.issuer, known).await?;
                let client = self.client(conn, metadata)?;
                let person = self
                    .verify(&client, &id_token, &nonce, conn.groups_claim)
                    .map_err(|e| Failure::Rejected(rejected(&e)))?;
                (client, person)
            }
            other => (client, other.map_err(|e| Failure::Rejected(rejected(&e)))?),
        };
        // Providers that follow the core specification to the letter (oidc-provider) put the
        // claims asked for by scope in the UserInfo answer, not in the ID token, when an access
        // token is issued: what the ID token lacks is asked there.
        if person.email.is_none() || person.groups.is_empty() {
            match self
                .user_info(
                    &client,
                    tokens.access_token(),
                    &person.subject,
                    conn.groups_claim,
                )
                .await
            {
                Ok(Some(more)) => person.complete_with(more),
                Ok(None) => {}
                Err(why) if person.email.is_none() => return Err(Failure::Provider(why)),
                Err(why) => tracing::warn!(
                    why,
                    "the provider's UserInfo endpoint failed; the ID token's claims are used"
                ),
            }
        }
        Ok(person)
    }

    /// The UserInfo answer for the access token, as a [`Person`] (`None` when the provider
    /// has no UserInfo endpoint). The crate checks that its subject is the ID token's.
    async fn user_info(
        &self,
        client: &Client,
        access_token: &openidconnect::AccessToken,
        subject: &str,
        groups_claim: &str,
    ) -> Result<Option<Person>, String> {
        let Ok(request) = client.user_info(
            access_token.clone(),
            Some(openidconnect::SubjectIdentifier::new(subject.to_owned())),
        ) else {
            return Ok(None);
        };
        let claims: openidconnect::UserInfoClaims<AllClaims, CoreGenderClaim> =
            request.request_async(&self.http).await.map_err(|e| {
                format!(
                    "The provider's UserInfo endpoint failed: {}.",
                    error_chain(&e)
                )
            })?;
        Ok(Some(Person::from_claims(
            String::new(),
            claims.subject().to_string(),
            claims.email().map(|e| e.to_string()),
            claims.email_verified(),
            claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            claims.additional_claims(),
            groups_claim,
        )))
    }

    fn verify(
        &self,
        client: &Client,
        id_token: &IdToken,
        nonce: &Nonce,
        groups_claim: &str,
    ) -> Result<Person, ClaimsVerificationError> {
        let verifier = client
            .id_token_verifier()
            .set_time_fn(|| chrono::Utc::now() - chrono::Duration::seconds(LEEWAY_SECONDS));
        let claims = id_token.claims(&verifier, nonce)?;
        Ok(Person::from_claims(
            claims.issuer().to_string(),
            claims.subject().to_string(),
            claims.email().map(|e| e.to_string()),
            claims.email_verified(),
            claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            claims.additional_claims(),
            groups_claim,
        ))
    }

    fn client(
        &self,
        conn: &Connection<'_>,
        metadata: CoreProviderMetadata,
    ) -> Result<Client, Failure> {
        let basic = metadata
            .token_endpoint_auth_methods_supported()
            .is_none_or(|m| m.contains(&CoreClientAuthMethod::ClientSecretBasic));
        let redirect = RedirectUrl::new(conn.redirect.clone())
            .map_err(|_| Failure::Provider("This site's address is not a valid URL.".into()))?;
        let client: Client = openidconnect::Client::from_provider_metadata(
            metadata,
            ClientId::new(conn.client_id.to_owned()),
            Some(ClientSecret::new(
                conn.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(redirect)
        .set_auth_type(if basic {
            AuthType::BasicAuth
        } else {
            AuthType::RequestBody
        });
        Ok(client)
    }

    async fn discover(&self, issuer: &str) -> Result<CoreProviderMetadata, Failure> {
        let url = IssuerUrl::new(issuer.to_owned())
            .map_err(|_| Failure::Provider(format!("“{issuer}” is not a web address.")))?;
        let metadata = CoreProviderMetadata::discover_async(url, &self.http)
            .await
            .map_err(|e| Failure::Provider(discovery_failure(issuer, &e)))?;
        self.lock().insert(
            issuer.to_owned(),
            Known {
                metadata: metadata.clone(),
                fetched: Instant::now(),
                keys_refetched: None,
            },
        );
        Ok(metadata)
    }

    async fn known(&self, issuer: &str) -> Result<Known, Failure> {
        let kept = self.lock().get(issuer).cloned();
        match kept {
            Some(k) if k.fetched.elapsed() < KEPT_FOR => Ok(k),
            _ => {
                let metadata = self.discover(issuer).await?;
                Ok(Known {
                    metadata,
                    fetched: Instant::now(),
                    keys_refetched: None,
                })
            }
        }
    }

    /// The provider's keys fetched again, unless they were fetched again less than
    /// [`REFETCH_AFTER`] ago.
    async fn refetch_keys(
        &self,
        issuer: &str,
        known: Known,
    ) -> Result<CoreProviderMetadata, Failure> {
        let latest = self.lock().get(issuer).cloned().unwrap_or(known);
        if latest
            .keys_refetched
            .is_some_and(|at| at.elapsed() < REFETCH_AFTER)
        {
            return Ok(latest.metadata);
        }
        let keys = CoreJsonWebKeySet::fetch_async(latest.metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| Failure::Provider(discovery_failure(issuer, &e)))?;
        let metadata = latest.metadata.set_jwks(keys);
        self.lock().insert(
            issuer.to_owned(),
            Known {
                metadata: metadata.clone(),
                fetched: latest.fetched,
                keys_refetched: Some(Instant::now()),
            },
        );
        Ok(metadata)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Known>> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The values of a groups claim: an array of strings (others skipped), or one string.
pub fn groups_of(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn discovery_failure<E: std::error::Error>(
    issuer: &str,
    e: &openidconnect::DiscoveryError<E>,
) -> String {
    use openidconnect::DiscoveryError as D;
    match e {
        D::Request(inner) => format!(
            "The provider at {issuer} could not be reached: {}.",
            error_chain(inner)
        ),
        D::Response(status, _, _) => format!(
            "The provider at {issuer} answered {status} to discovery (is the issuer address right?)."
        ),
        D::Parse(_) => format!(
            "The provider at {issuer} did not answer discovery with an OpenID configuration."
        ),
        D::Validation(why) => format!("The provider's configuration does not check out: {why}."),
        D::UrlParse(_) => format!("“{issuer}” is not a web address."),
        D::Other(why) => format!("Discovery at {issuer} failed: {why}."),
        _ => format!("Discovery at {issuer} failed."),
    }
}

fn token_failure<RE: std::error::Error + 'static>(
    e: &openidconnect::RequestTokenError<RE, StandardErrorResponse<CoreErrorResponseType>>,
) -> String {
    use openidconnect::RequestTokenError as R;
    match e {
        R::ServerResponse(r) => format!(
            "The provider refused the sign-in code: {}{}.",
            r.error(),
            r.error_description()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ),
        R::Request(inner) => format!(
            "The provider's token endpoint could not be reached: {}.",
            error_chain(inner)
        ),
        R::Parse(_, _) => {
            "The provider's token endpoint answered something that is not a token response.".into()
        }
        R::Other(why) => format!("The provider's token endpoint failed: {why}."),
    }
}

fn rejected(e: &ClaimsVerificationError) -> String {
    use ClaimsVerificationError as C;
    let what = match e {
        C::Expired(_) => "it has expired",
        C::InvalidAudience(_) => "it is for another client",
        C::InvalidIssuer(_) => "it is from another issuer",
        C::InvalidNonce(_) => "it does not belong to this sign-in",
        C::SignatureVerification(SignatureVerificationError::NoMatchingKey) => {
            "it is signed by a key the provider does not publish"
        }
        C::SignatureVerification(_) => "its signature does not check out",
        _ => "it does not check out",
    };
    format!("The provider's ID token was refused: {what}.")
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn person(email: Option<&str>, verified: bool) -> Person {
        Person {
            issuer: "https://id.test".into(),
            subject: "s".into(),
            email: email.map(str::to_owned),
            email_verified: verified,
            name: None,
            groups: Vec::new(),
            hosted_domain: None,
        }
    }

    #[test]
    fn user_info_fills_only_what_the_id_token_left_out() {
        let mut p = person(None, false);
        p.complete_with(Person {
            name: Some("Pat".into()),
            groups: vec!["Sales".into()],
            ..person(Some("pat@a.test"), true)
        });
        assert_eq!(p.email.as_deref(), Some("pat@a.test"));
        assert!(p.email_verified);
        assert_eq!(p.name.as_deref(), Some("Pat"));
        assert_eq!(p.groups, ["Sales"]);
        // The ID token's address stays; another address confirmed elsewhere confirms nothing.
        let mut p = person(Some("pat@a.test"), false);
        p.complete_with(person(Some("other@a.test"), true));
        assert_eq!(p.email.as_deref(), Some("pat@a.test"));
        assert!(!p.email_verified);
        p.complete_with(person(Some("pat@a.test"), true));
        assert!(p.email_verified);
    }

    #[test]
    fn groups_from_arrays_and_strings() {
        assert_eq!(
            groups_of(&json!(["Sales", 3, "Admins"])),
            ["Sales", "Admins"]
        );
        assert_eq!(groups_of(&json!("Sales")), ["Sales"]);
        assert!(groups_of(&json!({"a": 1})).is_empty());
    }
}
