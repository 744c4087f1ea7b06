"""Where gateway events go: the store, OCSF JSON lines, a webhook, syslog (CEF), Prometheus, OTel."""
