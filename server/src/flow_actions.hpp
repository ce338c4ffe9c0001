#pragma once
// The end of a flow in the shop's own system. When the core completes a flow
// it emits an action (order_lookup, return_request, cancel_order,
// change_address) with the slot values; this performs it against the
// endpoints the merchant configured and puts the outcome into the
// conversation as a bot message (stored, then announced on the bus), so it
// reaches the shopper on whichever node and socket they are, or on resume.
//
// Orders are shown only to their owner: the shop's reply must carry the email
// the shopper gave (or the shopper's verified user id as customer id).
// Returns / cancellations / address changes check the merchant's eligibility
// rules on the looked-up order first; without an endpoint for them, or when
// the shop's system fails, the request becomes a ticket with every detail.
#include <map>
#include <memory>
#include <string>

#include "parley/text.hpp"

namespace parley::server {

class hub;

struct flow_action_request {
    std::string conversation_id;
    std::string user_id;  // verified identity ("" = anonymous)
    std::string action;   // "order_lookup", …
    std::string flow_id;
    std::map<std::string, std::string> params;  // slot values (PII originals: never stored)
    parley::language lang = parley::language::en;
};

// Runs in the background on the hub's io_context; never throws.
void start_flow_action(std::shared_ptr<hub> h, flow_action_request request);

// The actions a flow may emit.
bool known_flow_action(std::string_view name);

}  // namespace parley::server
