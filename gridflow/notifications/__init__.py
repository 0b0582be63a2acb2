"""Notifications: who is told of which case event (`rules`, written with the event), the texts
(`texts`), the in-app list (`inbox`), users' settings (`preferences`), webhooks (`webhooks`), and the
delivery of the outbox by e-mail, SMS and webhook (`deliver`, through `senders`)."""
