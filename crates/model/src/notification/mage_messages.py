"""Runs Mage 0.9.80's own NotificationSender (its default texts, message_templates, interpolation and run link) on a
table of cases and prints what it would send as JSON: the expected values of Wand's model::notification tests.
Run with Mage's Python: `python mage_messages.py > mage_messages.json`."""
import datetime
import json
import types

from mage_ai.orchestration.notification.config import NotificationConfig
from mage_ai.orchestration.notification.sender import NotificationSender

ALL = ['trigger_failure', 'trigger_success', 'trigger_passed_sla']
TEMPLATES = dict(
    failure=dict(
        title='{pipeline_uuid} broke',
        details='{{literal}} {stacktrace} {pipeline_run_url} {pipeline_schedule_description}',
    ),
)

cases = [
    # (config, event, error, stacktrace)
    (dict(alert_on=ALL), 'failure', 'Failed blocks: boom.', 'Error for block boom:\nValueError'),
    (dict(alert_on=ALL), 'success', None, None),
    (dict(alert_on=ALL), 'passed_sla', None, None),
    (dict(message_templates=TEMPLATES), 'failure', 'E', 'Error for block b:\nboom'),
    (dict(), 'success', None, None),
]


class Capture(NotificationSender):
    def send(self, title=None, summary=None, details=None):
        self.sent.append(dict(title=title, summary=summary, details=details))


pipeline = types.SimpleNamespace(uuid='notify_fail')
schedule = types.SimpleNamespace(id=7, name='hourly', description=None)
execution_date = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=datetime.timezone.utc)
run = types.SimpleNamespace(id=42, execution_date=execution_date, pipeline_schedule=schedule)
out = []
for config, event, error, stacktrace in cases:
    sender = Capture(NotificationConfig.load(config=config))
    sender.sent = []
    if event == 'failure':
        sender.send_pipeline_run_failure_message(pipeline, run, error=error, stacktrace=stacktrace)
    elif event == 'success':
        sender.send_pipeline_run_success_message(pipeline, run)
    else:
        sender.send_pipeline_run_sla_passed_message(pipeline, run)
    out.append(dict(config=config, event=event, error=error, stacktrace=stacktrace, sent=sender.sent))
print(json.dumps(out, indent=1))
