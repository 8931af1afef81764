#pragma once
// The daemon's heap and its resident memory: what a burst of work (a start of many apps, a
// registry commit, a long list reply) allocated for a moment goes back to the system instead
// of staying resident for the daemon's whole life.

namespace rein::daemon {

/// At start: large blocks (a commit's text, a reply) get their own mapping, returned when freed.
void tune_heap();

/// Returns the free pages of the heap to the system when there are many (cheap otherwise).
void trim_heap();

} // namespace rein::daemon
