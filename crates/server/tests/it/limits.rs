//! Issue 9, finding 12: half-open connections were held forever (3,000 still open after 40 s). A client that does
//! not finish its headers in time is dropped, and one client address holds a bounded number of connections.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::TestServer;

const REQUEST: &[u8] = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

async fn serve(limits: server::Limits) -> (TestServer, std::net::SocketAddr) {
    let server = TestServer::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = server.app.clone();
    tokio::spawn(server::serve(
        listener,
        app,
        limits,
        None,
        std::future::pending(),
    ));
    (server, address)
}

/// Reads until the server answers (`Some(head)`) or closes the connection (`None`), within `limit`.
async fn answer(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut buffer = vec![0u8; 4096];
    match tokio::time::timeout(limit, stream.read(&mut buffer)).await {
        Err(_) => panic!("the server neither answered nor closed the connection within {limit:?}"),
        Ok(Ok(0)) | Ok(Err(_)) => None,
        Ok(Ok(count)) => Some(String::from_utf8_lossy(&buffer[..count]).into_owned()),
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    let (_server, address) = serve(server::Limits {
        header_timeout: Duration::from_millis(300),
        ..server::Limits::default()
    })
    .await;
    let mut silent = TcpStream::connect(address).await.unwrap();
    let mut partial = TcpStream::connect(address).await.unwrap();
    partial
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    // The deadline is generous; the server drops both after its 300 ms header timeout.
    let limit = Duration::from_secs(20);
    assert_eq!(answer(&mut silent, limit).await, None);
    let partial_answer = answer(&mut partial, limit).await;
    assert!(
        partial_answer
            .as_deref()
            .is_none_or(|head| head.starts_with("HTTP/1.1 408")),
        "{partial_answer:?}"
    );
    let mut prompt = TcpStream::connect(address).await.unwrap();
    prompt.write_all(REQUEST).await.unwrap();
    let head = answer(&mut prompt, limit)
        .await
        .expect("a prompt client is served");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}

#[tokio::test]
async fn one_client_holds_a_bounded_number_of_connections() {
    let (_server, address) = serve(server::Limits {
        connections_per_client: 3,
        ..server::Limits::default()
    })
    .await;
    let limit = Duration::from_secs(20);
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(REQUEST).await.unwrap();
        let head = answer(&mut stream, limit).await.expect("served");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        held.push(stream);
    }
    let mut extra = TcpStream::connect(address).await.unwrap();
    let _ = extra.write_all(REQUEST).await;
    assert_eq!(
        answer(&mut extra, limit).await,
        None,
        "a fourth connection is closed"
    );

    drop(held.pop());
    // The freed slot comes back once the server has seen the close; try until it does, within the deadline.
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let mut again = TcpStream::connect(address).await.unwrap();
        let _ = again.write_all(REQUEST).await;
        if let Some(head) = answer(&mut again, limit).await {
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot never came back"
        );
        tokio::task::yield_now().await;
    }
}
