#include "flow_actions.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>

#include "frames.hpp"
#include "hub.hpp"
#include "order_info.hpp"
#include "shop_endpoint.hpp"

namespace parley::server {

namespace net = boost::asio;
using nlohmann::json;

namespace {

struct action_outcome {
    bool ok = false;
    std::string error;  // not_found | timeout | unavailable | not_eligible | not_configured
    std::string text;
    json order;  // the looked-up order for the widget (null if none)
    std::string reference;
    std::int64_t ticket = 0;
    bool offer_human = false;
};

struct lookup_result {
    std::optional<order_info> order;
    std::string error;
};

std::string param(const flow_action_request& r, const std::string& key) {
    auto it = r.params.find(key);
    return it == r.params.end() ? std::string() : it->second;
}

// A bot line with the usual placeholders filled in.
std::string line(const parley::config& cfg, const flow_action_request& r, const char* key,
                 const std::map<std::string, std::string>& extra = {}) {
    std::string text = cfg.message(key, r.lang);
    text = fill_placeholder(std::move(text), "order_number", param(r, "order_number"));
    for (const auto& [k, v] : extra) text = fill_placeholder(std::move(text), k, v);
    return text;
}

net::awaitable<lookup_result> lookup_order(hub& h, const parley::endpoint_spec& endpoint,
                                           const flow_action_request& r) {
    std::map<std::string, std::string> values = r.params;
    values["user_id"] = r.user_id;
    std::string body;
    if (endpoint.method == "POST")
        body = dump(json{{"order_number", param(r, "order_number")}, {"email", param(r, "email")}});
    const auto result =
        co_await call_endpoint(h.http(), endpoint, values, std::move(body), h.self_url());
    const auto& res = result.response;
    lookup_result out;
    auto failed = [&](std::string error) {
        h.log().warn("order_lookup_failed", {{"conversation", r.conversation_id},
                                             {"error", error},
                                             {"status", res.status},
                                             {"detail", res.error},
                                             {"attempts", result.attempts}});
        out.error = std::move(error);
        return out;
    };
    if (res.status == 404) {
        out.error = "not_found";
        co_return out;
    }
    if (res.timed_out) co_return failed("timeout");
    if (!res.ok()) co_return failed("unavailable");
    json reply;
    try {
        reply = json::parse(res.body);
    } catch (const std::exception&) {
        co_return failed("malformed");
    }
    auto order = map_order(reply, endpoint, param(r, "order_number"));
    if (!order) co_return failed("malformed");
    if (!order_belongs_to(*order, param(r, "email"), r.user_id)) {
        if (order->email.empty() && order->customer_id.empty())
            h.log().warn("order_reply_unverifiable",
                         {{"conversation", r.conversation_id},
                          {"hint", "the shop's reply carries no email or customer_id"}});
        out.error = "not_found";  // another shopper's order looks exactly like no order
        co_return out;
    }
    out.order = std::move(order);
    co_return out;
}

// Hands the request to the team as a ticket with every collected detail.
action_outcome ticket_for(hub& h, const parley::config& cfg, const flow_action_request& r,
                          const std::optional<order_info>& order) {
    action_outcome out;
    auto c = h.db().find_conversation(r.conversation_id);
    if (!c) return out;
    std::string message = "Request from the chat: " + r.action + "\n";
    for (const auto& [k, v] : r.params)
        if (k != "confirm") message += k + ": " + v + "\n";
    if (order) message += "order status: " + order->status + "\n";
    auto ticket = h.open_ticket(*c, param(r, "email"), message);
    if (!ticket) return out;
    out.ok = true;
    out.ticket = ticket->id;
    out.text = line(cfg, r, "action_ticket", {{"ticket", std::to_string(ticket->id)}});
    return out;
}

net::awaitable<action_outcome> perform(hub& h, const parley::config& cfg,
                                       const flow_action_request& r) {
    action_outcome out;
    const auto* lookup = cfg.integrations.endpoint("order_lookup");
    auto failure = [&](const std::string& error) {
        action_outcome f;
        f.error = error;
        f.offer_human = true;
        f.text = line(cfg, r, error == "not_found" ? "order_not_found" : "order_unavailable");
        return f;
    };

    if (r.action == "order_lookup") {
        if (!lookup) co_return failure("not_configured");
        auto found = co_await lookup_order(h, *lookup, r);
        if (!found.order) co_return failure(found.error);
        out.ok = true;
        out.order = found.order->to_json();
        out.text = describe_order(cfg, r.lang, *found.order);
        co_return out;
    }

    // return_request, cancel_order, change_address
    std::optional<order_info> order;
    if (lookup) {
        auto found = co_await lookup_order(h, *lookup, r);
        if (found.error == "not_found") co_return failure("not_found");
        order = std::move(found.order);  // unreachable shop: the team takes it as a ticket
    }
    if (order) {
        if (const auto* rule = cfg.integrations.rule(r.action)) {
            const auto e = check_eligibility(*rule, *order, now_ms());
            if (!e.allowed) {
                out.error = "not_eligible";
                out.offer_human = true;
                out.order = order->to_json();
                out.text = e.refusal == "window"
                               ? line(cfg, r, "not_eligible_window",
                                      {{"days", std::to_string(e.days_since_delivery)},
                                       {"window_days", std::to_string(rule->window_days)}})
                               : line(cfg, r, "not_eligible_status",
                                      {{"status", status_label(order->status, r.lang)}});
                co_return out;
            }
        }
    }
    const auto* submit = cfg.integrations.endpoint(r.action);
    if (!submit || !order) co_return ticket_for(h, cfg, r, order);

    json body{{"order_number", param(r, "order_number")},
              {"email", param(r, "email")},
              {"conversation_id", r.conversation_id}};
    for (const auto& [k, v] : r.params)
        if (k != "order_number" && k != "email" && k != "confirm") body[k] = v;
    std::map<std::string, std::string> values = r.params;
    values["user_id"] = r.user_id;
    const auto result = co_await call_endpoint(h.http(), *submit, values, dump(body), h.self_url());
    if (!result.response.ok()) {
        h.log().warn("shop_action_failed", {{"action", r.action},
                                            {"status", result.response.status},
                                            {"detail", result.response.error},
                                            {"attempts", result.attempts}});
        co_return ticket_for(h, cfg, r, order);
    }
    std::string reference;
    // A 2xx without a JSON object is still done, without a reference.
    const json reply = json::parse(result.response.body, nullptr, false);
    if (reply.is_object()) reference = reply_field(reply, *submit, "reference").substr(0, 100);
    if (reference.empty()) reference = param(r, "order_number");
    const char* key = r.action == "return_request" ? "return_created"
                      : r.action == "cancel_order" ? "cancel_done"
                                                   : "address_changed";
    out.ok = true;
    out.reference = reference;
    out.order = order->to_json();
    out.text = line(cfg, r, key, {{"reference", reference}});
    co_return out;
}

net::awaitable<void> run(std::shared_ptr<hub> h, flow_action_request r) {
    const auto shop = h->shop();
    const auto& cfg = shop->cfg();
    action_outcome out;
    try {
        out = co_await perform(*h, cfg, r);
    } catch (const std::exception& e) {
        h->log().error("flow_action_error", {{"action", r.action}, {"error", e.what()}});
        out = action_outcome{};
        out.error = "unavailable";
        out.offer_human = true;
        out.text = line(cfg, r, "order_unavailable");
    }
    try {
        auto c = h->db().find_conversation(r.conversation_id);
        if (!c) co_return;  // erased meanwhile (GDPR delete)
        json payload{{"kind", "action_result"},
                     {"action", r.action},
                     {"item_id", r.flow_id},
                     {"ok", out.ok}};
        if (!out.error.empty()) payload["error"] = out.error;
        if (!out.order.is_null()) payload["order"] = out.order;
        if (!out.reference.empty()) payload["reference"] = out.reference;
        if (out.ticket) payload["ticket"] = out.ticket;
        payload["quick_replies"] = json::array();
        if (out.offer_human)
            payload["quick_replies"].push_back(cfg.message("talk_to_human", r.lang));
        new_message m;
        m.conversation_id = c->id;
        m.author = author_kind::bot;
        m.text = out.text;
        m.payload = dump(payload);
        m.now = now_ms();
        const auto stored = h->db().append_message(m);
        h->messages_stored(author_kind::bot).inc();
        h->publish_message(stored.message, c->status);
        h->metrics()
            .counter("parley_flow_actions_total", "Flow actions in the shop's system by outcome",
                     {{"action", r.action}, {"outcome", out.ok ? "ok" : out.error}})
            .inc();
    } catch (const std::exception& e) {
        h->log().error("flow_action_store_error", {{"action", r.action}, {"error", e.what()}});
    }
}

}  // namespace

bool known_flow_action(std::string_view name) {
    return name == "order_lookup" || name == "return_request" || name == "cancel_order" ||
           name == "change_address";
}

void start_flow_action(std::shared_ptr<hub> h, flow_action_request request) {
    auto strand = net::make_strand(h->io_context());
    net::co_spawn(strand, run(std::move(h), std::move(request)), net::detached);
}

}  // namespace parley::server
