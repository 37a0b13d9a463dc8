//! Query text from the API's `q` parameter: parsing never panics, and a parsed query evaluates
//! and yields index terms without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_core::{Event, TenantId};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(query) = palisade_query::parse(&text) {
        let mut event = Event::new(1, TenantId::default(), 0);
        event.set("message", "Failed password for root from 10.1.2.3 port 22");
        event.set("raw_data", "<38>1 - host sshd - - - Failed password");
        event.set("severity_id", 3i64);
        let _ = query.filter.matches(&event);
        let _ = query.filter.index_terms();
        let _ = query.filter.fields();
    }
});
