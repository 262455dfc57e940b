//! Arguments for every command of the app's IPC, made from the types the generated bindings
//! (`ui/src/lib/generated/ipc.ts`) give them: mostly of the right shape with ugly leaves (half-width
//! kana, 和暦, NUL, ten thousand digits, a made-up UUID), and sometimes of a wrong type anywhere,
//! from a seed, so that a run can be replayed.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// A command of the bindings: its name and its arguments with their TypeScript types.
#[derive(Debug, Clone)]
pub struct Command {
    pub name: String,
    pub args: Vec<(String, String)>,
}

/// The bindings, read: the commands and the named types they refer to.
pub struct Bindings {
    pub commands: Vec<Command>,
    types: BTreeMap<String, String>,
    pub error_codes: Vec<String>,
}

fn strip_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(at) = rest.find("/*") {
        out.push_str(&rest[..at]);
        rest = rest[at..].split_once("*/").map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out.lines()
        .map(|line| line.split_once("//").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` split at `separator` where no bracket or quote is open.
fn split_top(text: &str, separator: char) -> Vec<String> {
    let (mut parts, mut current, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '{' | '(' | '[' | '<' if !quoted => depth += 1,
            '}' | ')' | ']' | '>' if !quoted => depth -= 1,
            _ => {}
        }
        if c == separator && depth == 0 && !quoted {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

impl Bindings {
    pub fn read() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/lib/generated/ipc.ts");
        let source = strip_comments(&std::fs::read_to_string(path).unwrap());
        let mut commands = Vec::new();
        for line in source.lines() {
            let Some((_, call)) = line.split_once("__TAURI_INVOKE<") else {
                continue;
            };
            let name = call.split("(\"").nth(1).unwrap().split('"').next().unwrap();
            let params = line.split_once(": (").unwrap().1;
            let params = &params[..params.find(") =>").unwrap()];
            let args = split_top(params, ',')
                .into_iter()
                .map(|param| {
                    let (arg, ty) = param.split_once(':').unwrap();
                    (arg.trim().to_owned(), ty.trim().to_owned())
                })
                .collect();
            commands.push(Command {
                name: name.to_owned(),
                args,
            });
        }
        let mut types = BTreeMap::new();
        for definition in source.split("export type ").skip(1) {
            let (name, body) = definition.split_once('=').unwrap();
            let body = body.rsplit_once(';').map_or(body, |(body, _)| body);
            let name = name.trim().split('<').next().unwrap().to_owned();
            types.insert(name, body.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        let codes = source.split("ERROR_CODES = [").nth(1).unwrap();
        let error_codes = codes[..codes.find(']').unwrap()]
            .split(',')
            .map(|code| code.trim().trim_matches('"').to_owned())
            .collect();
        assert!(commands.len() > 40, "{} commands read", commands.len());
        Self {
            commands,
            types,
            error_codes,
        }
    }

    /// Argument `name` of TypeScript type `ty`.
    pub fn value(&self, name: &str, ty: &str, random: &mut Random) -> Value {
        self.named(name, ty.trim(), random, 0)
    }

    /// A value for a field or argument called `name`: the bindings say `string` for an id, a date
    /// or an instant, which the command takes as a UUID, a date or a time, and refuses (by its
    /// type, before it runs) as anything else; such names mostly get text of that form, to reach
    /// the command's own checks.
    fn named(&self, name: &str, ty: &str, random: &mut Random, depth: u32) -> Value {
        let lower = name.to_ascii_lowercase();
        let text = ty == "string" || ty == "string | null";
        if text && random.below(4) != 0 {
            if lower.ends_with("id") {
                return Value::String(random.uuid());
            }
            if lower.contains("date") || lower == "day" || lower == "first" || lower == "last" {
                return Value::String(random.date());
            }
            if lower.ends_with("at") {
                return Value::String(format!(
                    "{}T{:02}:00:00+09:00",
                    random.date(),
                    random.below(30)
                ));
            }
        }
        self.value_at(ty, random, depth)
    }

    fn value_at(&self, ty: &str, random: &mut Random, depth: u32) -> Value {
        // Now and then a value of any type at all, which Tauri refuses before the command runs;
        // mostly the right shape, which reaches the command's own parsing.
        if depth > 6 || random.below(40) == 0 {
            return random.any();
        }
        let alternatives = split_top(ty, '|');
        if alternatives.len() > 1 {
            let pick = &alternatives[random.below(alternatives.len())];
            return self.value_at(pick, random, depth + 1);
        }
        let parts = split_top(ty, '&');
        if parts.len() > 1 {
            let mut merged = Map::new();
            for part in parts {
                if let Value::Object(fields) = self.value_at(&part, random, depth + 1) {
                    merged.extend(fields);
                }
            }
            return Value::Object(merged);
        }
        if let Some(element) = ty.strip_suffix("[]") {
            let n = random.below(4);
            let items = (0..n).map(|_| self.value_at(element, random, depth + 1));
            return Value::Array(items.collect());
        }
        if let Some(inner) = ty.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            return self.value_at(inner, random, depth + 1);
        }
        if let Some(fields) = ty.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let mut object = Map::new();
            for field in split_top(fields, ',') {
                let (name, field_ty) = field.split_once(':').unwrap();
                let optional = name.trim().ends_with('?');
                // A field left out, now and then, whether or not it may be.
                if random.below(if optional { 3 } else { 40 }) == 0 {
                    continue;
                }
                let name = name.trim().trim_end_matches('?').to_owned();
                let value = self.named(&name, field_ty.trim(), random, depth + 1);
                object.insert(name, value);
            }
            if random.below(10) == 0 {
                object.insert("unexpected_field".into(), random.any());
            }
            return Value::Object(object);
        }
        match ty {
            "string" => Value::String(random.ugly_string()),
            "number" => random.number(),
            "boolean" => Value::Bool(random.below(2) == 0),
            "null" => Value::Null,
            literal if literal.starts_with('"') => Value::String(literal.trim_matches('"').into()),
            named => match self.types.get(named.split('<').next().unwrap()) {
                Some(definition) => self.value_at(&definition.clone(), random, depth + 1),
                None => random.any(),
            },
        }
    }
}

/// A seeded sequence (xorshift64*), so that a failing run can be replayed.
pub struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A made-up UUID, or the nil one.
    fn uuid(&mut self) -> String {
        if self.below(8) == 0 {
            return "00000000-0000-0000-0000-000000000000".into();
        }
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            self.next() as u32,
            self.next() as u16,
            self.next() % 0x1000,
            self.next() % 0x1000,
            self.next() % 0x1_0000_0000_0000
        )
    }

    /// A date as the commands take them (YYYY-MM-DD), some impossible.
    fn date(&mut self) -> String {
        let pool = [
            "2026-12-07",
            "2026-12-31",
            "2027-01-28",
            "1945-03-03",
            "2026-02-29",
            "2026-13-01",
            "0000-01-01",
            "9999-12-31",
        ];
        pool[self.below(pool.len())].into()
    }

    /// Text a receptionist, a file or an attacker could send.
    fn ugly_string(&mut self) -> String {
        let uuid = self.uuid();
        let pool = [
            String::new(),
            " ".into(),
            "ﾔﾏﾀﾞ ﾀﾛｳ".into(),
            "やまだ　たろう".into(),
            "Yamada".into(),
            "昭和20年3月3日".into(),
            "S20.3.3".into(),
            "令和元年5月1日".into(),
            "R99.1.1".into(),
            "1945-03-03".into(),
            "2026-02-30".into(),
            "431001".into(),
            "431002".into(),
            "９０００００００６２".into(),
            "9000000062".into(),
            "0963-28-0000".into(),
            "+81 96 328 0000".into(),
            "a@b".into(),
            "\0".into(),
            "a\0b".into(),
            "'; drop table bookings; --".into(),
            "<script>alert(1)</script>".into(),
            "😀👨‍👩‍👧".into(),
            "\u{202e}abc".into(),
            "9".repeat(10_000),
            "ア".repeat(3_000),
            "00000000-0000-0000-0000-000000000000".into(),
            uuid,
            "2026-12-07T09:00:00Z".into(),
            "25:61".into(),
            "-1".into(),
            "1e309".into(),
            "../../etc/passwd".into(),
            "public_only".into(),
        ];
        pool[self.below(pool.len())].clone()
    }

    fn number(&mut self) -> Value {
        let pool = [
            json!(0),
            json!(1),
            json!(2),
            json!(-1),
            json!(255),
            json!(256),
            json!(1.5),
            json!(9_007_199_254_740_993_u64),
            json!(i64::MIN),
            json!(1e308),
            json!(-1e308),
            json!(u32::MAX),
        ];
        pool[self.below(pool.len())].clone()
    }

    /// A value of any type.
    pub fn any(&mut self) -> Value {
        match self.below(8) {
            0 => Value::Null,
            1 => Value::Bool(true),
            2 => self.number(),
            3 => Value::String(self.ugly_string()),
            4 => json!([]),
            5 => json!({}),
            6 => json!([1, "2", null, {"a": []}]),
            _ => json!({"0": "\0", "": [[[[[]]]]], "__proto__": {"polluted": true}}),
        }
    }
}
