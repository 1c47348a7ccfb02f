"""Telling the agency about each new lead: email to its advisors, a signed webhook to its CRM, an SMS.

The entry points are in `synclead.notifications.notify` (`notify_new_lead`, `retry_due_deliveries`).
"""
