"""What every service's HTTP API shares: probes, metrics, auth and error shapes."""
