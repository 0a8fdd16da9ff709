//! What this process hears when a person, a company or a company's feature flags change:
//! the entities announce every save and delete of `users`, `tenants` and `tenant_features`
//! (their `ActiveModelBehavior`), and the few bulk writes announce themselves, so what is kept
//! in memory of the signed-in person (`web::memory`) is dropped. Other processes hear of it
//! through PostgreSQL (`NOTIFY digame_memory`, sent by triggers in the writing transaction).
//!
//! Listeners are held weakly: one that is dropped stops hearing. A change is announced to
//! every listener in the process (a test process may run several servers on several
//! databases: one dropping a person it did not keep costs nothing).

use std::sync::{Arc, Mutex, Weak};

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The person with this user id (their row).
    Person(i64),
    /// The company with this tenant id: its row, its feature flags, or all its people.
    Tenant(i64),
}

/// Hears changes (implemented by `web::memory::Memory`).
pub trait Hears: Send + Sync {
    fn changed(&self, change: Change);
}

static LISTENERS: Mutex<Vec<Weak<dyn Hears>>> = Mutex::new(Vec::new());

/// Starts telling `listener` of every change, until it is dropped.
pub fn listen(listener: &Arc<dyn Hears>) {
    let mut all = LISTENERS.lock().unwrap_or_else(|e| e.into_inner());
    all.retain(|l| l.strong_count() > 0);
    all.push(Arc::downgrade(listener));
}

/// Tells every listener that `change` happened (or is about to be committed).
pub fn announce(change: Change) {
    let alive: Vec<Arc<dyn Hears>> = {
        let mut all = LISTENERS.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|l| l.strong_count() > 0);
        all.iter().filter_map(Weak::upgrade).collect()
    };
    for listener in alive {
        listener.changed(change);
    }
}

/// The value of a key column of an active model, where it is known.
pub(crate) fn known<V: Copy + Into<sea_orm::Value>>(value: &sea_orm::ActiveValue<V>) -> Option<V> {
    match value {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => Some(*v),
        sea_orm::ActiveValue::NotSet => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Count(AtomicUsize, Mutex<Vec<Change>>);

    impl Hears for Count {
        fn changed(&self, change: Change) {
            self.0.fetch_add(1, Ordering::SeqCst);
            self.1.lock().unwrap().push(change);
        }
    }

    #[test]
    fn a_listener_hears_changes_until_it_is_dropped() {
        let count = Arc::new(Count(AtomicUsize::new(0), Mutex::new(Vec::new())));
        let listener: Arc<dyn Hears> = count.clone();
        listen(&listener);
        announce(Change::Person(7));
        announce(Change::Tenant(3));
        assert!(count.1.lock().unwrap().contains(&Change::Person(7)));
        assert!(count.1.lock().unwrap().contains(&Change::Tenant(3)));
        let heard = count.0.load(Ordering::SeqCst);
        drop(listener);
        drop(count);
        // Nothing left to hear it, and nothing fails.
        announce(Change::Person(8));
        assert!(heard >= 2);
    }
}
