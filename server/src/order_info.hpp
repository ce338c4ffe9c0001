#pragma once
// What the shop's system says about one order, read from its JSON reply
// through the endpoint's field map, and the pure decisions made on it:
// does it belong to this shopper, may it be returned / cancelled / changed,
// and how the bot says so. No I/O here (shop_endpoint does the calls).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "parley/config.hpp"

namespace parley::server {

struct order_item {
    std::string name;
    int quantity = 1;
};

struct order_info {
    std::string number;
    std::string status;  // lower-case, e.g. "shipped"
    std::string carrier;
    std::string tracking_number;
    std::string tracking_url;  // http(s) only, else ""
    std::string estimated_delivery;
    std::string delivered_at;  // ISO date (YYYY-MM-DD…) when delivered
    std::string email;
    std::string customer_id;
    std::vector<order_item> items;

    // For the widget (payload of the bot message); no email, no customer id.
    nlohmann::json to_json() const;
};

// One field of a shop's reply as text, through the endpoint's field map
// ("/<field>" when unmapped); "" when absent or not a string or number.
std::string reply_field(const nlohmann::json& reply, const parley::endpoint_spec& e,
                        const std::string& field);

// Reads the shop's reply. nullopt when it is not an object or has no status
// (a malformed reply is an error, never an empty order).
std::optional<order_info> map_order(const nlohmann::json& reply, const parley::endpoint_spec& e,
                                    const std::string& number);

// The order is the shopper's: the emails match (case-insensitively), or the
// order's customer id is the shopper's verified user id. An order whose reply
// carries neither cannot be shown to anyone.
bool order_belongs_to(const order_info& order, const std::string& email,
                      const std::string& verified_user_id);

struct eligibility {
    bool allowed = true;
    std::string refusal;  // "status" | "window"
    int days_since_delivery = 0;
};
eligibility check_eligibility(const parley::eligibility_rule& rule, const order_info& order,
                              std::int64_t now_ms);

// The bot's answer to an order lookup in `lang`, from the config's lines.
std::string describe_order(const parley::config& cfg, parley::language lang,
                           const order_info& order);
// A status word in `lang` ("shipped" → "已发货"); unknown ones as given.
std::string status_label(const std::string& status, parley::language lang);

// Days from an ISO date ("2026-10-01" or "2026-10-01T…") to now; nullopt if unparsable.
std::optional<int> days_since(const std::string& iso_date, std::int64_t now_ms);

}  // namespace parley::server
