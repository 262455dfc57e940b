//! For a national deployment on Citus (`crates/city/citus/distribute.sql`), every query must carry
//! the distribution key: each distributed table it reads or writes is tied by `municipality_code`
//! to a value the query is given (`$1`, a literal, or a row of an enclosing query), directly or
//! through the tables it joins on `municipality_code`. Citus then routes the query to the one
//! node holding that municipality. The check reads every PostgreSQL query of `.sqlx/` (the
//! compile-time checked queries, which are all of the server's but two, see below) and parses it.
//!
//! A query that must span every municipality (housekeeping, the sequencer, opening periods at
//! midnight) says so and why in a comment of its own, `-- every municipality: <why>`: Citus runs it
//! on every node, which is right for a chore and would be wrong for a request.

use std::collections::{BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::path::Path;

use sqlparser::ast::{
    BinaryOperator, Expr, FromTable, Query, SetExpr, Statement, TableFactor, TableObject,
    TableWithJoins, Visit, Visitor,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

const KEY: &str = "municipality_code";
const SPANS_ALL: &str = "-- every municipality:";

/// The tables `distribute.sql` distributes by `municipality_code`.
fn distributed_tables() -> BTreeSet<String> {
    let ddl =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("citus/distribute.sql"))
            .unwrap();
    ddl.lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .filter_map(|line| line.split("create_distributed_table('").nth(1))
        .map(|rest| rest.split('\'').next().unwrap().to_owned())
        .collect()
}

/// Every PostgreSQL query of `.sqlx/`, by its file.
fn checked_queries() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.sqlx");
    let mut queries = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if json["db_name"] == "PostgreSQL" {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            queries.push((file, json["query"].as_str().unwrap().to_owned()));
        }
    }
    queries.sort();
    queries
}

/// What one side of an equality is, seen from a scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Term {
    /// `alias.municipality_code` of a table in the scope.
    Key(String),
    /// Anything else: a parameter, a literal, a column of an enclosing query or of `excluded`.
    Value,
    /// A column of the scope other than the key.
    Other,
}

struct Scope<'a> {
    /// Alias (or name) and table of each table the scope reads.
    tables: Vec<(String, String)>,
    conditions: Vec<&'a Expr>,
}

impl<'a> Scope<'a> {
    fn new() -> Self {
        Self {
            tables: Vec::new(),
            conditions: Vec::new(),
        }
    }

    fn add(&mut self, from: &'a TableWithJoins) {
        self.add_factor(&from.relation);
        for join in &from.joins {
            self.add_factor(&join.relation);
            use sqlparser::ast::{JoinConstraint, JoinOperator as J};
            let constraint = match &join.join_operator {
                J::Join(c)
                | J::Inner(c)
                | J::Left(c)
                | J::LeftOuter(c)
                | J::Right(c)
                | J::RightOuter(c)
                | J::FullOuter(c) => Some(c),
                _ => None,
            };
            if let Some(JoinConstraint::On(on)) = constraint {
                self.conditions.push(on);
            }
        }
    }

    fn add_factor(&mut self, factor: &'a TableFactor) {
        match factor {
            TableFactor::Table { name, alias, .. } => {
                let table = name.to_string();
                let alias = alias
                    .as_ref()
                    .map_or(table.clone(), |a| a.name.value.clone());
                self.tables.push((alias, table));
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => self.add(table_with_joins),
            _ => {}
        }
    }

    fn term(&self, expr: &Expr) -> Term {
        match expr {
            Expr::Nested(inner) | Expr::Cast { expr: inner, .. } => self.term(inner),
            Expr::Identifier(id) if self.tables.len() == 1 => {
                if id.value == KEY {
                    Term::Key(self.tables[0].0.clone())
                } else {
                    Term::Other
                }
            }
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                let (alias, column) = (&parts[0].value, &parts[1].value);
                match self.tables.iter().any(|(a, _)| a == alias) {
                    true if column == KEY => Term::Key(alias.clone()),
                    true => Term::Other,
                    false => Term::Value,
                }
            }
            Expr::Identifier(_) => Term::Other,
            _ => Term::Value,
        }
    }

    /// The equalities of `expr`'s conjunction (`a = b and …`), tuples compared pairwise.
    fn equalities(&self, expr: &Expr, out: &mut Vec<(Term, Term)>) {
        match expr {
            Expr::Nested(inner) => self.equalities(inner, out),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                self.equalities(left, out);
                self.equalities(right, out);
            }
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => match (left.as_ref(), right.as_ref()) {
                (Expr::Tuple(l), Expr::Tuple(r)) if l.len() == r.len() => {
                    out.extend(l.iter().zip(r).map(|(l, r)| (self.term(l), self.term(r))));
                }
                (l, r) => out.push((self.term(l), self.term(r))),
            },
            _ => {}
        }
    }

    /// The distributed tables of the scope that no equality ties to a value.
    fn unkeyed(&self, distributed: &BTreeSet<String>) -> Vec<String> {
        let mut equalities = Vec::new();
        for condition in &self.conditions {
            self.equalities(condition, &mut equalities);
        }
        // Union-find over the keys, with every value as one node.
        let mut parent: HashMap<Term, Term> = HashMap::new();
        fn root(parent: &mut HashMap<Term, Term>, term: &Term) -> Term {
            let mut at = term.clone();
            while let Some(up) = parent.get(&at).filter(|up| **up != at).cloned() {
                at = up;
            }
            at
        }
        for (a, b) in equalities {
            if a == Term::Other || b == Term::Other {
                continue;
            }
            let (ra, rb) = (root(&mut parent, &a), root(&mut parent, &b));
            if ra != rb {
                parent.insert(ra, rb);
            }
        }
        let value = root(&mut parent, &Term::Value);
        self.tables
            .iter()
            .filter(|(_, table)| distributed.contains(table))
            .filter(|(alias, _)| root(&mut parent, &Term::Key(alias.clone())) != value)
            .map(|(alias, table)| format!("{table} {alias}"))
            .collect()
    }
}

struct KeyCheck<'d> {
    distributed: &'d BTreeSet<String>,
    unkeyed: Vec<String>,
}

impl KeyCheck<'_> {
    fn check(&mut self, scope: &Scope) {
        self.unkeyed.extend(scope.unkeyed(self.distributed));
    }

    fn check_set_expr(&mut self, body: &SetExpr) {
        match body {
            SetExpr::Select(select) => {
                let mut scope = Scope::new();
                for from in &select.from {
                    scope.add(from);
                }
                scope.conditions.extend(&select.selection);
                self.check(&scope);
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.check_set_expr(left);
                self.check_set_expr(right);
            }
            // Nested queries and statements are visited on their own.
            _ => {}
        }
    }
}

impl Visitor for KeyCheck<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        self.check_set_expr(&query.body);
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<()> {
        match statement {
            Statement::Insert(insert) => {
                if let TableObject::TableName(name) = &insert.table
                    && self.distributed.contains(&name.to_string())
                    && !insert.columns.iter().any(|c| c.to_string() == KEY)
                {
                    self.unkeyed.push(format!("insert into {name}"));
                }
            }
            Statement::Update(update) => {
                let mut scope = Scope::new();
                scope.add(&update.table);
                if let Some(
                    sqlparser::ast::UpdateTableFromKind::AfterSet(from)
                    | sqlparser::ast::UpdateTableFromKind::BeforeSet(from),
                ) = &update.from
                {
                    from.iter().for_each(|f| scope.add(f));
                }
                scope.conditions.extend(&update.selection);
                self.check(&scope);
            }
            Statement::Delete(delete) => {
                let mut scope = Scope::new();
                let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) =
                    &delete.from;
                from.iter().for_each(|f| scope.add(f));
                delete.using.iter().flatten().for_each(|f| scope.add(f));
                scope.conditions.extend(&delete.selection);
                self.check(&scope);
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// `sql` in the locking clauses the parser takes: `for update` for `for no key update`, and a
/// `for update of a, b` locking its first table only. How rows are locked says nothing about the
/// key.
fn parseable(sql: &str) -> String {
    let sql = &sql.replace("for no key update", "for update");
    let Some(at) = sql
        .find("for update of ")
        .or_else(|| sql.find("for share of "))
    else {
        return sql.to_owned();
    };
    let start = at + sql[at..].find(" of ").unwrap() + 4;
    let (head, tables) = sql.split_at(start);
    let mut parts = tables.split(',');
    let first = parts.next().unwrap_or_default().trim();
    // What follows the last table (`skip locked`) stays.
    let Some(last) = parts.next_back() else {
        return sql.to_owned();
    };
    let tail = last.trim_start().split_once(char::is_whitespace);
    format!("{head}{first} {}", tail.map_or("", |(_, tail)| tail))
}

/// The distributed tables `sql` reads or writes without their key, as `table alias`.
fn unkeyed(sql: &str, distributed: &BTreeSet<String>) -> Vec<String> {
    let statements = Parser::parse_sql(&PostgreSqlDialect {}, &parseable(sql))
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    let mut check = KeyCheck {
        distributed,
        unkeyed: Vec::new(),
    };
    let _ = statements.visit(&mut check);
    check.unkeyed
}

#[test]
fn every_query_carries_the_distribution_key_or_says_why_it_spans_every_municipality() {
    let distributed = distributed_tables();
    assert!(distributed.contains("bookings") && distributed.len() > 15);
    let queries = checked_queries();
    assert!(queries.len() > 150, "{} queries", queries.len());
    let mut failures = Vec::new();
    let mut spanning = 0;
    for (file, sql) in &queries {
        if let Some(at) = sql.find(SPANS_ALL) {
            let why = sql[at + SPANS_ALL.len()..]
                .lines()
                .next()
                .unwrap_or("")
                .trim();
            assert!(
                why.len() > 10,
                "{file}: say why it spans every municipality"
            );
            spanning += 1;
            continue;
        }
        let missing = unkeyed(sql, &distributed);
        if !missing.is_empty() {
            failures.push(format!("{file}: {}\n{sql}\n", missing.join(", ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries lack municipality_code:\n{}",
        failures.len(),
        queries.len(),
        failures.join("\n")
    );
    println!(
        "{} queries: {} carry the key, {spanning} span every municipality by design",
        queries.len(),
        queries.len() - spanning
    );
}

#[test]
fn the_check_finds_a_table_read_or_joined_without_its_key() {
    let distributed: BTreeSet<String> = ["bookings", "slots", "venues"].map(String::from).into();
    let keyed = "select b.id from bookings b join slots s
                   on s.municipality_code = b.municipality_code and s.id = b.slot_id
                 where b.municipality_code = $1 and b.id = $2";
    assert!(unkeyed(keyed, &distributed).is_empty());
    let join_without_key = "select b.id from bookings b join slots s on s.id = b.slot_id
                            where b.municipality_code = $1";
    assert_eq!(unkeyed(join_without_key, &distributed), ["slots s"]);
    let by_id_only = "update slots set booked = booked + 1 where id = $1";
    assert_eq!(unkeyed(by_id_only, &distributed), ["slots slots"]);
    let subquery = "select id from venues v where v.municipality_code = $1
                    and exists (select 1 from slots s where s.venue_id = v.id)";
    assert_eq!(unkeyed(subquery, &distributed), ["slots s"]);
    let correlated = "select id from venues v where v.municipality_code = $1 and exists
                      (select 1 from slots s where s.municipality_code = v.municipality_code)";
    assert!(unkeyed(correlated, &distributed).is_empty());
    let or_is_not_a_key = "delete from bookings where municipality_code = $1 or id = $2";
    assert_eq!(
        unkeyed(or_is_not_a_key, &distributed),
        ["bookings bookings"]
    );
    let insert = "insert into bookings (id, slot_id) values ($1, $2)";
    assert_eq!(unkeyed(insert, &distributed), ["insert into bookings"]);
    let cte = "with freed as (update slots set booked = booked - 1 where id = $1 returning id)
               select count(*) from freed";
    assert_eq!(unkeyed(cte, &distributed), ["slots slots"]);
}
