//! The clinic app's real window, driven through tauri-driver and WebKitWebDriver under Xvfb,
//! against a real city server over HTTP: manual §1 (ログイン) and the TOP screen.

mod support;

use fantoccini::{Client, Locator};
use support::city::City;
use support::desktop::{
    Desktop, by_testid, click, log_in, log_in_to_top, screenshot, text_of, wait_for_attr,
};

/// One window at a time: two WebKit processes on a small machine only slow each other down.
static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Every row of the slot table, once all are on screen (a long list arrives over a few frames).
async fn slot_rows(client: &Client) -> Vec<fantoccini::elements::Element> {
    wait_for_attr(client, "slot-table", "aria-busy", "false").await;
    client
        .find_all(Locator::Css("[data-testid='slot-row']"))
        .await
        .unwrap()
}

/// The demo's slots of a venue from today (Tokyo) on, as the city holds them.
async fn city_slot_count(city: &City, venue_number: i32) -> usize {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM slots s
         JOIN venues v ON v.municipality_code = s.municipality_code AND v.id = s.venue_id
         WHERE v.venue_number = $1
           AND (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date
               >= (now() AT TIME ZONE 'Asia/Tokyo')::date",
    )
    .bind(venue_number)
    .fetch_one(&city.pool)
    .await
    .unwrap();
    usize::try_from(n).unwrap()
}

#[tokio::test]
async fn a_wrong_password_shows_the_error_and_no_top_screen() {
    let _window = ONE_WINDOW.lock().await;
    let city = City::start().await;
    let data = tempfile::tempdir().unwrap();
    let desktop = Desktop::start(&city, data.path());
    let client = desktop.open_app().await;

    log_in(&client, "clinic-a", "not-the-password").await;
    let error = by_testid(&client, "login-error")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        error.contains("自治体番号、アカウントID、パスワードのいずれかが正しくありません"),
        "{error}"
    );
    assert!(
        client
            .find(Locator::Css("[data-testid='top-screen']"))
            .await
            .is_err(),
        "a refused login must not reach TOP"
    );
    let password = by_testid(&client, "login-password").await;
    assert_eq!(
        password.prop("value").await.unwrap().as_deref(),
        Some(""),
        "the password is cleared"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_english_toggle_turns_words_and_errors_to_english_and_is_remembered() {
    let _window = ONE_WINDOW.lock().await;
    let city = City::start().await;
    let data = tempfile::tempdir().unwrap();
    let desktop = Desktop::start(&city, data.path());
    let client = desktop.open_app().await;

    click(&client, "login-lang-toggle").await;
    assert_eq!(text_of(&client, "login-lang-toggle").await, "日本語");
    let lang = client
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap();
    assert_eq!(lang, "en", "screen readers are told the language shown");

    // The server's refusal comes in English too.
    log_in(&client, city.demo.clinic_a.account_id, "not-the-password").await;
    let error = text_of(&client, "login-error").await;
    assert!(
        error.contains("municipality code, account ID or password is incorrect"),
        "{error}"
    );

    // TOP and a screen, in English.
    let password = by_testid(&client, "login-password").await;
    password
        .send_keys(city.demo.clinic_a.password)
        .await
        .unwrap();
    click(&client, "login-submit").await;
    by_testid(&client, "top-screen").await;
    assert!(
        text_of(&client, "menu-residents")
            .await
            .ends_with("Find a resident")
    );
    click(&client, "menu-residents").await;
    let screen = text_of(&client, "residents-screen").await;
    assert!(
        screen.contains("Find a resident") && screen.contains("Ticket number"),
        "{screen}"
    );
    assert!(
        !screen.contains("住民検索"),
        "no Japanese label is left: {screen}"
    );

    // Remembered: the next start opens in English, and the header's toggle turns it back.
    client.close().await.unwrap();
    let client = desktop.open_app().await;
    assert_eq!(text_of(&client, "login-lang-toggle").await, "日本語");
    log_in_to_top(&client, &city).await;
    click(&client, "lang-toggle").await;
    assert!(
        text_of(&client, "menu-residents")
            .await
            .ends_with("住民検索")
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn the_clinic_sees_its_slots_and_works_on_its_cache_when_the_network_drops() {
    let _window = ONE_WINDOW.lock().await;
    let mut city = City::start().await;
    let data = tempfile::tempdir().unwrap();
    let desktop = Desktop::start(&city, data.path());
    let expected = city_slot_count(&city, 101).await;
    assert!(expected > 0);

    // Online: log in as A胃腸科内科医院 and see exactly its slots.
    let client = desktop.open_app().await;
    log_in_to_top(&client, &city).await;
    let clinic = text_of(&client, "clinic-name").await;
    assert!(clinic.contains("A胃腸科内科医院"), "{clinic}");
    wait_for_attr(&client, "connection-status", "data-online", "true").await;
    let rows = slot_rows(&client).await;
    assert_eq!(rows.len(), expected);
    let mut visibilities = std::collections::BTreeSet::new();
    for row in rows.iter().take(12) {
        let venue = row
            .find(Locator::Css("[data-testid='slot-venue']"))
            .await
            .unwrap();
        assert_eq!(venue.text().await.unwrap(), "A胃腸科内科医院");
        let badge = row
            .find(Locator::Css("[data-testid='slot-visibility']"))
            .await
            .unwrap();
        visibilities.insert(badge.text().await.unwrap());
        let remaining = row
            .find(Locator::Css("[data-testid='slot-remaining']"))
            .await
            .unwrap();
        assert!(remaining.text().await.unwrap().starts_with("残り"));
    }
    assert_eq!(
        visibilities.into_iter().collect::<Vec<_>>(),
        ["公開枠", "非公開枠"]
    );
    screenshot(&client, "top").await;
    client.close().await.unwrap();

    // The network drops; the app is started again and opens on its cache, saying it is offline.
    city.stop().await;
    let client = desktop.open_app().await;
    log_in_to_top(&client, &city).await;
    wait_for_attr(&client, "connection-status", "data-online", "false").await;
    let status = by_testid(&client, "connection-status")
        .await
        .text()
        .await
        .unwrap();
    assert!(status.contains("オフライン"), "{status}");
    assert_eq!(
        slot_rows(&client).await.len(),
        expected,
        "the cached slots are shown"
    );

    // The network returns: 今すぐ同期 brings the app back online.
    city.restart().await;
    by_testid(&client, "sync-now").await.click().await.unwrap();
    wait_for_attr(&client, "connection-status", "data-online", "true").await;
    client.close().await.unwrap();
}

/// Script in the window reads what tauri-plugin-sql lets it read, and tries for the account's
/// secrets: the cache holds none, and the secrets file is no database it can open.
const READ_SECRETS: &str = r#"
const [secretsPath, done] = arguments;
const invoke = window.__TAURI_INTERNALS__.invoke;
(async () => {
  const state = await invoke('app_state');
  const db = await invoke('plugin:sql|load', { db: state.cache_db_url });
  const account = await invoke('plugin:sql|select', { db, query: 'SELECT * FROM account', values: [] });
  const columns = await invoke('plugin:sql|select', {
    db, query: "SELECT name FROM pragma_table_info('account')", values: [] });
  const attempts = [];
  for (const url of ['sqlite:' + secretsPath + '?mode=ro', 'sqlite:' + secretsPath]) {
    try {
      const other = await invoke('plugin:sql|load', { db: url });
      const rows = await invoke('plugin:sql|select', {
        db: other, query: 'SELECT * FROM sqlite_master', values: [] });
      attempts.push({ url, read: JSON.stringify(rows) });
    } catch (e) {
      attempts.push({ url, refused: String(e) });
    }
  }
  try {
    await invoke('plugin:sql|select', {
      db, query: "ATTACH DATABASE '" + secretsPath + "' AS s", values: [] });
    attempts.push({ url: 'attach', read: 'attached' });
  } catch (e) {
    attempts.push({ url: 'attach', refused: String(e) });
  }
  done(JSON.stringify({ account, columns, attempts }));
})().catch((e) => done(JSON.stringify({ error: String(e) })));
"#;

#[tokio::test]
async fn script_in_the_window_cannot_read_the_password_hash_or_the_session_token() {
    let _window = ONE_WINDOW.lock().await;
    let city = City::start().await;
    let data = tempfile::tempdir().unwrap();
    let (_desktop, client) = support::desktop::open_logged_in(&city, data.path()).await;
    let secrets = data.path().join(yoyaku_clinic::SECRETS_FILE);
    let kept = std::fs::read_to_string(&secrets).unwrap();
    assert!(
        kept.contains("$argon2"),
        "the engine keeps the offline check there"
    );

    let answer = client
        .execute_async(
            READ_SECRETS,
            vec![serde_json::json!(secrets.display().to_string())],
        )
        .await
        .unwrap();
    let seen = answer.as_str().unwrap();
    let seen: serde_json::Value = serde_json::from_str(seen).unwrap();
    assert_eq!(seen["error"], serde_json::Value::Null, "{seen}");
    // The cache's account row is readable, and holds no secret.
    assert_eq!(seen["account"][0]["account_id"], "clinic-a", "{seen}");
    let columns = seen["columns"].to_string();
    assert!(
        !columns.contains("password") && !columns.contains("token"),
        "{columns}"
    );
    let everything = seen.to_string();
    assert!(
        !everything.contains("argon2") && !everything.contains("v1:"),
        "{everything}"
    );
    // The secrets file cannot be opened or attached as a database.
    for attempt in seen["attempts"].as_array().unwrap() {
        assert!(attempt.get("read").is_none(), "{attempt}");
        assert!(attempt["refused"].as_str().is_some(), "{attempt}");
    }
    client.close().await.unwrap();
}

/// Runs `calls` (`[command, args]`) one after another in the window, each given 15 s, and tells
/// how each ended: `{ok}`, `{rejected: <what>}` or `{timeout}`.
const INVOKE_EACH: &str = r#"
const [calls, done] = arguments;
const invoke = window.__TAURI_INTERNALS__.invoke;
(async () => {
  const outcomes = [];
  for (const [command, args] of calls) {
    const timeout = new Promise((resolve) => setTimeout(() => resolve({ timeout: true }), 15000));
    const call = invoke(command, args).then(() => ({ ok: true }), (e) => ({ rejected: e }));
    outcomes.push(await Promise.race([call, timeout]));
  }
  done(JSON.stringify(outcomes));
})().catch((e) => done(JSON.stringify({ error: String(e) })));
"#;

/// Commands left out: the system's print dialog waits for a person, installing an update
/// restarts the app, and logging out ends the session the rest runs in.
const NOT_FUZZED: [&str; 3] = ["print_page", "install_update", "logout"];

#[tokio::test]
async fn every_command_given_arbitrary_arguments_answers_or_refuses_with_a_code_and_the_app_goes_on()
 {
    use support::ipc_fuzz::{Bindings, Random};
    let _window = ONE_WINDOW.lock().await;
    let city = City::start().await;
    let data = tempfile::tempdir().unwrap();
    let (_desktop, client) = support::desktop::open_logged_in(&city, data.path()).await;
    let bindings = Bindings::read();
    let seed: u64 =
        std::env::var("YOYAKU_IPC_FUZZ_SEED").map_or(20_261_207, |s| s.parse().unwrap());
    let per_command: usize =
        std::env::var("YOYAKU_IPC_FUZZ_CALLS").map_or(12, |s| s.parse().unwrap());
    let mut random = Random::new(seed);
    let mut calls = Vec::new();
    for command in &bindings.commands {
        if NOT_FUZZED.contains(&command.name.as_str()) {
            continue;
        }
        for _ in 0..per_command {
            let mut args = serde_json::Map::new();
            for (arg, ty) in &command.args {
                // Now and then an argument left out altogether.
                if random.below(40) != 0 {
                    args.insert(arg.clone(), bindings.value(arg, ty, &mut random));
                }
            }
            calls.push(serde_json::json!([command.name, args]));
        }
    }

    let mut outcomes = Vec::new();
    // In batches, each well within WebDriver's script timeout.
    for batch in calls.chunks(60) {
        let answer = client
            .execute_async(INVOKE_EACH, vec![serde_json::json!(batch)])
            .await
            .unwrap();
        let answer: serde_json::Value = serde_json::from_str(answer.as_str().unwrap()).unwrap();
        let batch_outcomes = answer.as_array().unwrap_or_else(|| panic!("{answer}"));
        outcomes.extend(batch.iter().cloned().zip(batch_outcomes.iter().cloned()));
    }

    let (mut answered, mut coded, mut refused_by_type) = (0, 0, 0);
    let mut failures = Vec::new();
    for (call, outcome) in &outcomes {
        let rejected = &outcome["rejected"];
        let code = rejected["code"].as_str();
        let has_messages = ["message_ja", "message_en"]
            .iter()
            .all(|m| rejected[m].as_str().is_some_and(|t| !t.is_empty()));
        if outcome["ok"] == true {
            answered += 1;
        } else if code.is_some_and(|c| bindings.error_codes.iter().any(|k| k == c)) && has_messages
        {
            coded += 1;
        } else if rejected
            .as_str()
            .is_some_and(|e| e.starts_with("invalid args `"))
        {
            // Tauri refused the arguments for their types before the command ran; the window
            // shows such a refusal as WINDOW_ERRORS.unknown.
            refused_by_type += 1;
        } else {
            let call = call.to_string();
            let call: String = call.chars().take(300).collect();
            failures.push(format!("{call} → {outcome}"));
        }
    }
    assert!(
        failures.is_empty(),
        "seed {seed}: {} of {} calls neither answered nor refused with a code:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
    // The app goes on: its state answers and the TOP screen still works.
    let state = client
        .execute_async(
            "const done = arguments[0]; window.__TAURI_INTERNALS__.invoke('app_state')
               .then((s) => done(JSON.stringify(s)), (e) => done('refused ' + JSON.stringify(e)));",
            vec![],
        )
        .await
        .unwrap();
    let state = state.as_str().unwrap();
    assert!(state.contains("cache_db_url"), "{state}");
    assert!(!slot_rows(&client).await.is_empty());
    println!(
        "seed {seed}: {} calls of {} commands: {answered} answered, {coded} refused with a code, \
         {refused_by_type} refused by Tauri for their types before the command ran",
        outcomes.len(),
        bindings.commands.len() - NOT_FUZZED.len()
    );
    assert!(coded > 0 && refused_by_type > 0 && answered > 0);
    client.close().await.unwrap();
}
