//! HTTP client of the city server's API. Separates "the server refused" (a problem document) from
//! "the server could not be reached", because only the latter lets the app fall back to its cache.

use std::time::Duration;

use chrono::NaiveDate;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use yoyaku_core::wire::{LoginRequest, LoginResponse, SlotList};
use yoyaku_core::{Code, Problem};

use crate::error::{ClinicError, Result};

#[derive(Debug, Clone)]
pub struct CityClient {
    http: reqwest::Client,
    base_url: String,
}

impl CityClient {
    pub fn new(base_url: &str) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("yoyaku-clinic/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClinicError::Internal(format!("http client: {e}")))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn login(&self, request: &LoginRequest) -> Result<LoginResponse> {
        let req = self.http.post(self.url("/api/v1/login")).json(request);
        json(send(req).await?).await
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        let req = self
            .http
            .post(self.url("/api/v1/logout"))
            .bearer_auth(token);
        send(req).await.map(drop)
    }

    /// `GET path` of what the city serves to anyone (the login screen's 利用規約), as JSON.
    pub(crate) async fn get_public<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        json(send(self.http.get(self.url(path))).await?).await
    }

    /// `GET path?query` as the logged-in account, answered with JSON.
    pub(crate) async fn get_json<Q, T>(&self, token: &str, path: &str, query: &Q) -> Result<T>
    where
        Q: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let req = self
            .http
            .get(self.url(path))
            .query(query)
            .bearer_auth(token);
        json(send(req).await?).await
    }

    /// `POST path` with a JSON body as the logged-in account, answered with JSON.
    pub(crate) async fn post_json<B, T>(&self, token: &str, path: &str, body: &B) -> Result<T>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let req = self.http.post(self.url(path)).json(body).bearer_auth(token);
        json(send(req).await?).await
    }

    /// The clinic's own slots whose Tokyo date lies in `from..=to`.
    pub async fn clinic_slots(
        &self,
        token: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<SlotList> {
        let req = self
            .http
            .get(self.url("/api/v1/clinic/slots"))
            .query(&[("from", from.to_string()), ("to", to.to_string())])
            .bearer_auth(token);
        json(send(req).await?).await
    }
}

async fn send(req: RequestBuilder) -> Result<Response> {
    let response = req
        .send()
        .await
        .map_err(|e| ClinicError::Unreachable(e.to_string()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    // A failing or overloaded server is as good as unreachable: keep working locally, retry later.
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        return Err(ClinicError::Unreachable(format!(
            "server answered {status}"
        )));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| ClinicError::Unreachable(e.to_string()))?;
    match serde_json::from_slice::<Problem>(&body) {
        // The server no longer knows the session: the receptionist renews it with the password.
        Ok(problem)
            if status == StatusCode::UNAUTHORIZED
                && problem.known_code() == Code::AuthSessionInvalid =>
        {
            Err(ClinicError::SessionExpired)
        }
        Ok(problem) => Err(ClinicError::Rejected(Box::new(problem))),
        Err(_) => Err(ClinicError::Protocol(format!(
            "{status}: {}",
            String::from_utf8_lossy(&body)
                .chars()
                .take(200)
                .collect::<String>()
        ))),
    }
}

async fn json<T: DeserializeOwned>(response: Response) -> Result<T> {
    let body = response
        .bytes()
        .await
        .map_err(|e| ClinicError::Unreachable(e.to_string()))?;
    serde_json::from_slice(&body).map_err(|e| ClinicError::Protocol(e.to_string()))
}
