#pragma once
// The demo shop's own orders backend, hosted by `parley serve` when the
// config sets integrations.demo_orders. It plays the shop's system: the demo
// config's endpoints point at it ({self}/demo-shop/api/…), so the order flows
// go through exactly the path a real shop's HTTPS endpoint would (template,
// shared key header, HMAC signature, JSON reply), stored in the same database.
//
//   GET  /demo-shop/api/orders/{number}?email=…   the order (404 unless the email matches)
//   POST /demo-shop/api/orders/{number}/returns   {email, reason}       → {reference, status}
//   POST /demo-shop/api/orders/{number}/cancel    {email}               → {reference, status}
//   POST /demo-shop/api/orders/{number}/address   {email, new_address}  → {reference, status}
#include <cstdint>
#include <vector>

#include "api.hpp"
#include "store.hpp"

namespace parley::server {

// A few dozen realistic orders (1001…1036) in every state, with dates
// relative to `now_ms`; the same list on every run.
std::vector<demo_order_record> demo_order_catalog(std::int64_t now_ms);

// Handles a request under /demo-shop/api/.
http_response handle_demo_shop(hub& h, const http_request& req);

std::string url_decode(std::string_view s);

}  // namespace parley::server
