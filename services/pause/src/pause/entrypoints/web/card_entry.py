"""The portal's card form when a Stripe publishable key is configured: Stripe Elements.

The card number must never touch our servers, so the browser hands it to Stripe itself:
1. the page asks `/portal/card/setup` for a SetupIntent's client secret (billing makes it);
2. Stripe.js confirms the SetupIntent with the card the customer typed into Elements;
3. only the resulting payment method id is posted to `/portal/card`, the same route the
   plain form uses, and billing makes it the default card.

Stripe.js is the one script the portal loads from elsewhere, and only with this setting:
card data may only be collected by Stripe's own script. `STRIPE_JS_URL` points it at a
local stand-in (localstripe serves one) for tests and offline demos.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from pause.entrypoints.web.page import esc
from shared.http.page_headers import PagePolicy, script_hash


@dataclass(frozen=True)
class StripeCardEntry:
    publishable_key: str
    script_url: str


def _js(value: str) -> str:
    """A string literal safe inside an inline <script>."""
    return json.dumps(value).replace("<", "\\u003c")


SCRIPT = """
(function () {
  var form = document.getElementById('card-form');
  var status = document.getElementById('card-status');
  var button = form.querySelector('button[type=submit]');
  function say(text) { status.textContent = text; }
  if (typeof Stripe !== 'function') {
    say('Our card form could not load. Please check your connection and reload the page.');
    button.disabled = true;
    return;
  }
  var stripe = Stripe(KEY);
  var card = stripe.elements().create('card');
  card.mount('#card-element');
  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    button.disabled = true;
    say('Saving your card…');
    try {
      var answer = await fetch('/portal/card/setup', {method: 'POST', credentials: 'same-origin'});
      var body = await answer.json();
      if (!answer.ok) { say(body.error); button.disabled = false; return; }
      var result = await stripe.confirmCardSetup(body.client_secret, {payment_method: {card: card}});
      if (result.error) {
        say(result.error.message || 'Your bank declined that card. Please try another one.');
        button.disabled = false;
        return;
      }
      form.elements.payment_method.value = result.setupIntent.payment_method;
      form.submit();
    } catch (error) {
      say('We could not reach our payment system. Please try again in a minute.');
      button.disabled = false;
    }
  });
})();
"""


def card_script(entry: StripeCardEntry) -> str:
    return SCRIPT.replace("KEY", _js(entry.publishable_key), 1)


def card_entry_policy(entry: StripeCardEntry) -> PagePolicy:
    """What the portal's pages may run with Stripe Elements: our one inline script, by its
    hash, and Stripe.js, its frames and its API (Stripe's published list, plus wherever
    `STRIPE_JS_URL` points, e.g. localstripe's stand-in)."""
    parts = urlsplit(entry.script_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    stripe_js = ("https://js.stripe.com", "https://*.js.stripe.com")
    return PagePolicy(
        scripts=(script_hash(card_script(entry)), origin, *stripe_js),
        frames=(origin, *stripe_js, "https://hooks.stripe.com"),
        connections=(origin, "https://api.stripe.com"),
    )


def elements_card_form(entry: StripeCardEntry) -> str:
    """The card form whose fields Stripe.js draws; our page never sees the number."""
    script = card_script(entry)
    return (
        f'<script src="{esc(entry.script_url)}"></script>'
        '<form id="card-form" method="post" action="/portal/card" class="card">'
        '<p id="card-label" class="label">Card details</p>'
        '<div id="card-element" class="card-element" role="group" aria-labelledby="card-label"></div>'
        '<input type="hidden" name="payment_method" value="">'
        '<p class="muted">Your card goes straight to our payment processor, Stripe; we only keep '
        "its brand, last four digits and expiry.</p>"
        '<p id="card-status" role="status" aria-live="polite"></p>'
        '<noscript><p class="error">Adding a card needs JavaScript turned on.</p></noscript>'
        '<div class="actions"><button type="submit">Save card</button><a href="/portal">Back</a></div>'
        f"</form><script>{script}</script>"
    )
