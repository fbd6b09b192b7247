"""Payment gateways: the port billing charges through, and its adapters.

`port` is what the service layer sees. `simulated` answers from Stripe's test payment
method ids without a network, for demos and the simulator. `stripe` talks to Stripe (or
localstripe in tests). `webhooks` checks and reads what Stripe sends back.
"""
