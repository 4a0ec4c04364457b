//! Harvests the server runs on its own, from the configuration, and their last outcome (served
//! at `GET /harvests`).

use super::harvest::Harvester;
use crate::config::HarvestSchedule;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The last outcome of each scheduled harvest, by `source url`.
#[derive(Clone, Default)]
pub struct HarvestLog {
    last: Arc<Mutex<BTreeMap<String, Value>>>,
}

impl HarvestLog {
    pub fn snapshot(&self) -> Vec<Value> {
        self.last
            .lock()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    fn record(&self, key: String, value: Value) {
        if let Ok(mut map) = self.last.lock() {
            map.insert(key, value);
        }
    }
}

/// Starts one task per configured harvest: it runs at once, then at each interval. A failed
/// harvest keeps the previous data and is reported, record by record where it applies.
pub fn spawn_harvests(harvester: &Harvester, schedules: &[HarvestSchedule], log: &HarvestLog) {
    for schedule in schedules.iter().cloned() {
        let (harvester, log) = (harvester.clone(), log.clone());
        tokio::spawn(async move {
            let interval = Duration::from_secs(schedule.interval_s.max(1));
            loop {
                let started = crate::store::now_literal().value().to_owned();
                let (source, url) = (schedule.source.clone(), schedule.url.clone());
                let harvesting = harvester.clone();
                let outcome = tokio::task::spawn_blocking(move || {
                    harvesting.run_url(&source, &url, &|_, _| {})
                })
                .await;
                let finished = crate::store::now_literal().value().to_owned();
                let mut entry = json!({
                    "source": schedule.source,
                    "url": schedule.url,
                    "intervalSeconds": schedule.interval_s,
                    "started": started,
                    "finished": finished,
                });
                match outcome {
                    Ok(Ok(outcome)) => {
                        tracing::info!(source = %schedule.source, harvested = outcome.harvested, skipped = outcome.skipped.len(), warned = outcome.warned.len(), "harvest done");
                        entry["ok"] = json!(true);
                        entry["outcome"] = serde_json::to_value(&outcome).unwrap_or_default();
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(source = %schedule.source, error = %e, "harvest failed; previous data kept");
                        entry["ok"] = json!(false);
                        entry["error"] = json!(format!("{e:#}"));
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "harvest task failed");
                        entry["ok"] = json!(false);
                        entry["error"] = json!("internal error");
                    }
                }
                log.record(format!("{} {}", schedule.source, schedule.url), entry);
                tokio::time::sleep(interval).await;
            }
        });
    }
}
