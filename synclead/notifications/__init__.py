"""Telling the agency about each new lead: email to its advisors, a signed webhook to its CRM, an SMS.

The entry points are in `synclead.notifications.notify`: `plan_deliveries` (inside the transaction that writes the
lead), `send_deliveries` (after it commits, as the `tasks.send_deliveries` job) and `retry_due_deliveries`.
"""
