"""The outbox: every Slack message a state change owes, as durable as a scheduled send.

A flow writes its change and the messages it owes (rows of the delivery ledger, `deliveries`)
in one transaction (`service.owe_message`, `service.owe_refresh`). After the commit, this
process's `Dispatcher` delivers them off the listener thread with the ledger's machinery
(claim, send, record the `ts`, retry with backoff, recover an uncertain post by its message
metadata, pace); the clock's ticks pick up whatever a dead process left behind. A Slack outage
delays messages; it never loses them.

Two shapes of rows:
- a one-off message (a receipt, a thread note, an ETA DM): one row per key, its words' inputs
  in `payload`, sent once;
- an object Slack shows (a request's card, a Home tab): one row per object whose `version`
  moves with each change; it is rendered from the current state when sent, so ten moves in a
  second give at most two updates and the last one shows the final state.
"""
