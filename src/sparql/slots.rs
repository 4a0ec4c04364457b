//! The query slots of the child processes, shared fairly: when every slot is taken, a new query
//! takes the slot of the oldest query of the client that holds the most, which is answered 503.
//! One client sending runaway queries thus takes slots from itself first, and a query that
//! starts always gets to run; a query that loses its slot had already run longest.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Notify;

pub struct Slots {
    capacity: usize,
    taken: Mutex<Vec<Taken>>,
    next: AtomicU64,
}

struct Taken {
    id: u64,
    client: String,
    since: Instant,
    evict: Arc<Notify>,
}

/// A slot held by one query; given back when dropped.
pub struct Slot<'a> {
    slots: &'a Slots,
    id: u64,
    evict: Arc<Notify>,
}

impl Slots {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            taken: Mutex::default(),
            next: AtomicU64::new(0),
        }
    }

    /// A slot for a query of `client`, evicting another query when all are taken. Never
    /// fails today; the `Result` keeps a refusal possible without changing callers.
    pub fn take(&self, client: &str) -> Result<Slot<'_>, super::QueryError> {
        let mut taken = self.lock();
        if taken.len() >= self.capacity {
            if let Some(victim) = victim(&taken) {
                let evicted = taken.swap_remove(victim);
                tracing::info!(client = %evicted.client, "every query slot is taken: the oldest query of the busiest client gives way");
                evicted.evict.notify_one();
            }
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let evict = Arc::new(Notify::new());
        taken.push(Taken {
            id,
            client: client.to_owned(),
            since: Instant::now(),
            evict: evict.clone(),
        });
        Ok(Slot {
            slots: self,
            id,
            evict,
        })
    }

    /// Takes back every slot: their queries end now.
    pub fn evict_all(&self) {
        for taken in self.lock().drain(..) {
            taken.evict.notify_one();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Taken>> {
        self.taken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The oldest query of the client with the most slots.
fn victim(taken: &[Taken]) -> Option<usize> {
    let mut counts = std::collections::HashMap::<&str, usize>::new();
    for t in taken {
        *counts.entry(t.client.as_str()).or_default() += 1;
    }
    let most = counts.values().copied().max()?;
    taken
        .iter()
        .enumerate()
        .filter(|(_, t)| counts[t.client.as_str()] == most)
        .min_by_key(|(_, t)| t.since)
        .map(|(i, _)| i)
}

impl Slot<'_> {
    /// Resolves when the slot is taken back.
    pub async fn evicted(&self) {
        self.evict.notified().await;
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.slots.lock().retain(|t| t.id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_client_gives_way_first_oldest_query_first() {
        let slots = Slots::new(3);
        let a1 = slots.take("a").unwrap();
        let b1 = slots.take("b").unwrap();
        let a2 = slots.take("a").unwrap();
        let ids = |s: &Slots| s.lock().iter().map(|t| t.id).collect::<Vec<_>>();
        let _c = slots.take("c").unwrap();
        assert!(!ids(&slots).contains(&a1.id), "a's oldest gave way");
        assert!(ids(&slots).contains(&a2.id) && ids(&slots).contains(&b1.id));
        drop(a2);
        assert_eq!(ids(&slots).len(), 2, "a dropped slot is given back");
        slots.evict_all();
        assert!(ids(&slots).is_empty());
    }
}
