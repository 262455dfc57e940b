//! The city's HTTP API as clinic-a, for setting a scene (residents registered, bookings made)
//! before the window opens.

use super::city::City;

/// The city's API as the clinic account, for setting a scene before the window opens.
pub struct ClinicApi {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl ClinicApi {
    pub async fn log_in(city: &City) -> Self {
        let http = reqwest::Client::new();
        let base = city.url();
        let login: serde_json::Value = http
            .post(format!("{base}/api/v1/login"))
            .json(&serde_json::json!({
                "municipality_code": "431001", "account_id": city.demo.clinic_a.account_id,
                "password": city.demo.clinic_a.password, "agreed_to_terms": true
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().expect("a session token").to_owned();
        Self { http, base, token }
    }

    /// Registers 予約者情報 for a ticket of the registry.
    pub async fn register(&self, ticket: &str, birth_date: &str, family: &str, given: &str) {
        let request = self
            .http
            .put(format!("{}/api/v1/residents/431001/{ticket}", self.base))
            .json(&serde_json::json!({
                "birth_date": birth_date, "family_name_kana": family,
                "given_name_kana": given, "sex": "unset", "phone": "0963281111"
            }));
        self.send(request).await;
    }

    /// Books dose 1 in `slot_id`; returns the booking's id.
    pub async fn book(&self, ticket: &str, birth_date: &str, slot_id: &str) -> String {
        let request = self
            .http
            .post(format!("{}/api/v1/bookings", self.base))
            .json(&serde_json::json!({
                "resident": {"municipality_code": "431001", "ticket": ticket,
                             "birth_date": birth_date},
                "slot_id": slot_id, "dose": 1
            }));
        let booked: serde_json::Value = self.send(request).await.json().await.unwrap();
        booked["booking"]["id"]
            .as_str()
            .or_else(|| booked["id"].as_str())
            .expect("the booking's id")
            .to_owned()
    }

    /// Sends `request` in the session; a refusal fails the test with the server's words.
    async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let response = request.bearer_auth(&self.token).send().await.unwrap();
        if !response.status().is_success() {
            panic!("{}", response.text().await.unwrap());
        }
        response
    }
}
