#pragma once
// The merchant config: FAQs, flows, handoff rules, PII, hours and widget
// settings. Parsing validates everything up front and reports the first
// problem with its JSON path ("faqs[3].questions: expected a non-empty array
// of strings"), so a merchant sees exactly what to fix and nothing crashes later.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "parley/pii.hpp"
#include "parley/text.hpp"

namespace parley {

class config_error : public std::runtime_error {
  public:
    config_error(std::string path, std::string expected)
        : std::runtime_error(path + ": " + expected),
          path_(std::move(path)),
          expected_(std::move(expected)) {}
    const std::string& path() const { return path_; }
    const std::string& expected() const { return expected_; }

  private:
    std::string path_;
    std::string expected_;
};

// Text the merchant writes once per language: a plain string or {"en":…,"zh":…}.
struct localized_text {
    std::map<std::string, std::string> by_language;  // "" holds a plain string
    bool empty() const { return by_language.empty(); }
    // The text for `lang`, else the plain string, else English, else any.
    const std::string& get(language lang) const;
};

struct faq {
    std::string id;
    std::vector<std::string> questions;
    std::string answer;
    localized_text answers;  // optional per-language answers; `answer` is the default
    std::vector<std::string> tags;
    const std::string& answer_for(language lang) const;
};

enum class slot_type { order_number, email, phone, text, yes_no, choice };
std::string_view slot_type_name(slot_type type);

struct slot_spec {
    std::string name;
    slot_type type = slot_type::text;
    localized_text prompt;             // asked when the slot is empty
    localized_text invalid;            // said before asking again after an invalid value
    std::vector<std::string> options;  // choice
    std::size_t min_length = 1;        // text
};

struct flow_spec {
    std::string id;
    std::string builtin;  // "", "order_status", "return_refund", "cancel_order", "change_address",
                          // "talk_to_human"
    std::vector<std::string> questions;  // trigger phrasings, retrieved like FAQ questions
    std::vector<slot_spec> slots;
    std::string action;     // emitted when every slot is filled ("" = none)
    localized_text done;    // said when the action is emitted; {slot} placeholders
    bool hand_off = false;  // the flow ends in a handoff (talk_to_human)
};

struct handoff_settings {
    double confidence_threshold = 0.15;  // below: fallback; calibrated, one value for every shop
    double clarify_margin = 0.04;        // top two closer than this: "Did you mean…?"
    double frustration_threshold = 0.6;  // sentiment frustration at or above: hand off
    int max_fallbacks = 2;               // consecutive fallbacks before a handoff
    int max_reprompts = 2;               // invalid slot answers before a flow fails
    std::vector<std::string> phrases;    // extra explicit-request phrases
};

struct retrieval_settings {
    double answer_weight = 0.3;    // BM25 weight of FAQ answers relative to questions
    double vector_weight = 0.8;    // share of the cosine in the fused score (retriever.hpp)
    double centroid_weight = 0.7;  // share of an item's prototype in its cosine (retriever.hpp)
};

struct opening_interval {
    int from_minute = 0;  // minutes since midnight, local time
    int to_minute = 0;
};

struct business_hours {
    std::string timezone = "UTC";
    std::vector<std::vector<opening_interval>> weekly =
        std::vector<std::vector<opening_interval>>(7);  // 0 = Monday
    bool always_open = true;                            // no business_hours in the config
};

struct widget_settings {
    std::string color = "#1f6feb";
    std::string position = "right";  // "right" | "left"
    localized_text title;
    std::string avatar;
};

struct shop_settings {
    std::string name;
    language locale = language::en;
    std::vector<language> locales;
    std::string currency;
};

// One call into the shop's own system (order lookup, return request, …).
// `url` is a template: {order_number}, {email}, {user_id} and the action's
// other slots are URL-encoded into it; {self} is this server's own base URL
// (the demo shop's backend). The server signs the request with `hmac_secret`
// when set (X-Parley-Timestamp, X-Parley-Signature) and sends `headers` as given.
struct endpoint_spec {
    std::string url;
    std::string method = "GET";  // GET | POST
    std::map<std::string, std::string> headers;
    std::string hmac_secret;
    int timeout_ms = 3000;  // per attempt
    int retries = 2;        // extra attempts after a timeout, a connection error or a 5xx
    // Reply field → JSON pointer into the shop's reply ("status" → "/order/state").
    // Unset fields use the pointer "/<field>".
    std::map<std::string, std::string> fields;
};

// When a return / cancellation / address change is allowed, checked against
// the order as the lookup endpoint reports it.
struct eligibility_rule {
    int window_days = 0;                // days since delivery (0 = no window)
    std::vector<std::string> statuses;  // allowed order statuses (empty = any)
};

struct webhook_spec {
    std::string url;
    std::string secret;               // HMAC-SHA256 key for X-Parley-Signature
    std::vector<std::string> events;  // empty = every event
};

struct integration_settings {
    std::map<std::string, endpoint_spec> endpoints;  // by action name ("order_lookup", …)
    std::map<std::string, eligibility_rule> rules;   // by action name
    std::vector<webhook_spec> webhooks;
    std::string inbound_secret;  // the shop signs its notices to Parley with this
    bool demo_orders = false;    // `parley serve` hosts the demo shop's orders backend
    const endpoint_spec* endpoint(std::string_view action) const;
    const eligibility_rule* rule(std::string_view action) const;
};
// The webhook event names, in the order they are documented.
const std::vector<std::string>& webhook_event_names();

// A message the widget shows without the shopper writing first.
struct proactive_trigger {
    std::string id;
    std::string on;   // "time_on_page" | "exit_intent"
    std::string url;  // path pattern, '*' matches anything ("/products/*")
    int seconds = 0;  // time_on_page: seconds on a matching page
    localized_text text;
};

struct proactive_settings {
    int min_interval_minutes = 60;  // at most one proactive message per this interval
    int max_per_day = 2;
    std::vector<proactive_trigger> triggers;
};

struct config {
    shop_settings shop;
    localized_text greeting;
    widget_settings widget;
    std::vector<faq> faqs;
    std::vector<flow_spec> flows;
    handoff_settings handoff;
    retrieval_settings retrieval;
    pii_rules pii;
    business_hours hours;
    int retention_days = 0;                    // 0 = keep
    std::vector<std::string> allowed_origins;  // WebSocket Origin allowlist ("" list = any)
    // Shop secret for identity verification: a shopper's user id is trusted
    // only with hex(HMAC-SHA256(identity_secret, user_id)). "" = no identified shoppers.
    std::string identity_secret;
    int ticket_sla_minutes = 480;       // business minutes until a ticket is due
    integration_settings integrations;  // server-only: never sent to browsers
    proactive_settings proactive;
    std::map<std::string, localized_text> messages;  // overrides of the built-in bot lines

    const faq* find_faq(std::string_view id) const;
    const flow_spec* find_flow(std::string_view id) const;
    // A built-in bot line ("fallback", "clarify", …) in `lang`, merchant override first.
    std::string message(std::string_view key, language lang) const;
};

// Parses and validates; throws config_error. Unknown keys are refused (typos
// would otherwise silently do nothing), except keys starting with "x-" or "$".
config parse_config(std::string_view json_text);

// The defaults of a built-in flow (slots, prompts, action); throws
// config_error for an unknown name.
flow_spec builtin_flow(std::string_view name);
std::vector<std::string> builtin_flow_names();

}  // namespace parley
