//! The home page's live figures: counted over what the reader may see, on each engine.

use clearinghouse::accounts::model::{Role, Viewer};
use clearinghouse::catalogue::service;
use clearinghouse::visibility::Reader;
use serde_json::json;

use crate::harness::{need_input, with, TestApp};

pub async fn figures_count_only_what_the_reader_may_see(app: TestApp) {
    let hospital = app.verified_org("hospital", "KE").await;
    hospital
        .publish_need(&need_input("Ransomware backup drills"))
        .await;
    let hidden = with(
        need_input("A weakness only coordinators may know about"),
        json!({"visibility": "coordinators", "themes": ["incident_response.playbooks"]}),
    );
    hospital.publish_need(&hidden).await;
    // A draft is nobody's figure.
    hospital.create_need(&need_input("Not yet published")).await;

    let db = app.database();
    let taxonomy = std::sync::Arc::new(
        db.read(clearinghouse::catalogue::store::load_taxonomy)
            .await
            .unwrap(),
    );
    let coordinator = Reader {
        viewer: Viewer::User {
            user_id: uuid::Uuid::new_v4(),
            organisation_id: uuid::Uuid::new_v4(),
            role: Role::Coordinator,
        },
        organisation: None,
    };
    let count = |reader: Reader| {
        let (db, taxonomy) = (db.clone(), taxonomy.clone());
        async move {
            db.read(move |conn| Ok(service::figures(conn, &reader, &taxonomy)))
                .await
                .unwrap()
                .unwrap()
        }
    };

    let anyone = count(Reader::ANONYMOUS).await;
    assert_eq!(anyone.open_needs, 1, "the public need only");
    let themes: Vec<&str> = anyone.by_theme.iter().map(|t| t.code.as_str()).collect();
    assert_eq!(themes, ["ransomware"], "rolled up to the top-level theme");
    assert_eq!(anyone.by_theme[0].open_needs, 1);
    assert_eq!((anyone.needs_matched, anyone.countries_reached), (0, 0));

    let secretariat = count(coordinator).await;
    assert_eq!(secretariat.open_needs, 2);
    assert_eq!(secretariat.by_theme.len(), 2);
}
