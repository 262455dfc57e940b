use sqlx::{Connection, PgConnection};
use yoyaku_city::throwaway_pg::{Cluster, fresh_database};

#[tokio::test]
async fn a_cluster_serves_databases_and_is_gone_once_dropped() {
    let cluster = Cluster::start().await.unwrap();
    let (port, data_dir) = (cluster.port(), cluster.data_dir().to_owned());
    assert!(data_dir.is_dir());

    let first = cluster.create_database().await.unwrap();
    let second = cluster.create_database().await.unwrap();
    assert_ne!(first, second);
    let mut connection = PgConnection::connect(&first).await.unwrap();
    let one: i32 = sqlx::query_scalar("select 1")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(one, 1);
    connection.close().await.unwrap();

    drop(cluster);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    assert!(!data_dir.exists());
}

#[tokio::test]
async fn fresh_databases_are_distinct_and_empty() {
    let (first, second) = (fresh_database().await, fresh_database().await);
    assert_ne!(first, second);
    for url in [first, second] {
        let mut connection = PgConnection::connect(&url).await.unwrap();
        let tables: i64 = sqlx::query_scalar(
            "select count(*) from information_schema.tables where table_schema = 'public'",
        )
        .fetch_one(&mut connection)
        .await
        .unwrap();
        assert_eq!(tables, 0);
    }
}
