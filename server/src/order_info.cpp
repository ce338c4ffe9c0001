#include "order_info.hpp"

#include <algorithm>
#include <cstdio>

#include "frames.hpp"
#include "store_support.hpp"

namespace parley::server {

using nlohmann::json;

namespace {

const json* field_value(const json& reply, const parley::endpoint_spec& e,
                        const std::string& field) {
    auto it = e.fields.find(field);
    const std::string pointer = it == e.fields.end() ? "/" + field : it->second;
    if (pointer.empty()) return nullptr;
    try {
        return &reply.at(json::json_pointer(pointer));
    } catch (const std::exception&) {
        return nullptr;
    }
}

bool http_link(const std::string& url) {
    if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return false;
    return std::none_of(url.begin(), url.end(), [](unsigned char c) {
        return c <= 0x20 || c == 0x7F || c == '"' || c == '<' || c == '>';
    });
}

}  // namespace

// The value at the field's pointer as text ("" when absent or not a scalar).
std::string reply_field(const json& reply, const parley::endpoint_spec& e,
                        const std::string& field) {
    auto it = e.fields.find(field);
    const std::string pointer = it == e.fields.end() ? "/" + field : it->second;
    if (pointer.empty()) return "";
    try {
        const json& v = reply.at(json::json_pointer(pointer));
        if (v.is_string()) return v.get<std::string>().substr(0, 2000);
        if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
        if (v.is_number()) return v.dump();
        return "";
    } catch (const std::exception&) {
        return "";
    }
}

json order_info::to_json() const {
    json items_json = json::array();
    for (const auto& i : items) items_json.push_back({{"name", i.name}, {"quantity", i.quantity}});
    return json{{"number", number},
                {"status", status},
                {"carrier", carrier},
                {"tracking_number", tracking_number},
                {"tracking_url", tracking_url},
                {"estimated_delivery", estimated_delivery},
                {"delivered_at", delivered_at},
                {"items", items_json}};
}

std::optional<order_info> map_order(const json& reply, const parley::endpoint_spec& e,
                                    const std::string& number) {
    if (!reply.is_object()) return std::nullopt;
    order_info o;
    o.number = number;
    o.status = lower_ascii(reply_field(reply, e, "status"));
    if (o.status.empty()) return std::nullopt;
    o.carrier = reply_field(reply, e, "carrier");
    o.tracking_number = reply_field(reply, e, "tracking_number");
    o.tracking_url = reply_field(reply, e, "tracking_url");
    if (!http_link(o.tracking_url)) o.tracking_url.clear();
    o.estimated_delivery = reply_field(reply, e, "estimated_delivery");
    o.delivered_at = reply_field(reply, e, "delivered_at");
    o.email = reply_field(reply, e, "email");
    o.customer_id = reply_field(reply, e, "customer_id");
    if (const json* items = field_value(reply, e, "items"); items && items->is_array()) {
        for (const auto& i : *items) {
            order_item item;
            if (i.is_string()) {
                item.name = i.get<std::string>();
            } else if (i.is_object()) {
                if (i.contains("name") && i["name"].is_string()) item.name = i["name"];
                if (i.contains("quantity") && i["quantity"].is_number_integer())
                    item.quantity = std::clamp(i["quantity"].get<int>(), 0, 100000);
            }
            if (!item.name.empty() && o.items.size() < 50) o.items.push_back(item);
        }
    }
    return o;
}

bool order_belongs_to(const order_info& order, const std::string& email,
                      const std::string& verified_user_id) {
    if (!order.email.empty() && !email.empty() && lower_ascii(order.email) == lower_ascii(email))
        return true;
    return !order.customer_id.empty() && !verified_user_id.empty() &&
           order.customer_id == verified_user_id;
}

std::optional<int> days_since(const std::string& iso_date, std::int64_t now_ms) {
    int y = 0, m = 0, d = 0;
    if (iso_date.size() < 10 || std::sscanf(iso_date.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3)
        return std::nullopt;
    if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
    // Days from civil (Howard Hinnant's algorithm), UTC.
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = static_cast<unsigned>((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t day = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
    const std::int64_t today = now_ms / 86'400'000;
    return static_cast<int>(today - day);
}

eligibility check_eligibility(const parley::eligibility_rule& rule, const order_info& order,
                              std::int64_t now_ms) {
    eligibility e;
    if (!rule.statuses.empty() &&
        std::none_of(rule.statuses.begin(), rule.statuses.end(),
                     [&](const std::string& s) { return lower_ascii(s) == order.status; })) {
        e.allowed = false;
        e.refusal = "status";
        return e;
    }
    if (rule.window_days > 0) {
        const auto days = days_since(order.delivered_at, now_ms);
        // Not delivered yet (or no date): the window has not started.
        if (days && *days > rule.window_days) {
            e.allowed = false;
            e.refusal = "window";
            e.days_since_delivery = *days;
        }
    }
    return e;
}

std::string status_label(const std::string& status, parley::language lang) {
    struct label {
        const char* key;
        const char* en;
        const char* zh;
    };
    static const label labels[] = {
        {"pending", "pending", "待处理"},
        {"processing", "being prepared", "备货中"},
        {"shipped", "shipped", "已发货"},
        {"in_transit", "in transit", "运输中"},
        {"out_for_delivery", "out for delivery", "派送中"},
        {"delivered", "delivered", "已签收"},
        {"delayed", "delayed", "延迟"},
        {"cancelled", "cancelled", "已取消"},
        {"return_requested", "awaiting its return", "退货处理中"},
        {"returned", "returned", "已退货"},
        {"refunded", "refunded", "已退款"},
    };
    for (const auto& l : labels)
        if (status == l.key) return lang == parley::language::zh ? l.zh : l.en;
    std::string out = status;
    std::replace(out.begin(), out.end(), '_', ' ');
    return out;
}

std::string describe_order(const parley::config& cfg, parley::language lang,
                           const order_info& order) {
    auto line = [&](const char* key) {
        std::string t = cfg.message(key, lang);
        for (const auto& [k, v] : std::initializer_list<std::pair<const char*, std::string>>{
                 {"order_number", order.number},
                 {"status", status_label(order.status, lang)},
                 {"carrier", order.carrier},
                 {"tracking_number", order.tracking_number},
                 {"estimated_delivery", order.estimated_delivery},
                 {"delivered_at", order.delivered_at.substr(0, 10)}})
            t = fill_placeholder(std::move(t), k, v);
        return t;
    };
    const char* sep = lang == parley::language::zh ? "" : " ";
    std::string text = line("order_status");
    if (!order.carrier.empty() && !order.tracking_number.empty())
        text += sep + line("order_shipping");
    if (order.status == "delivered" && !order.delivered_at.empty())
        text += sep + line("order_delivered");
    else if (!order.estimated_delivery.empty() && order.status != "cancelled" &&
             order.status != "returned" && order.status != "refunded")
        text += sep + line("order_eta");
    if (!order.items.empty()) {
        std::string items;
        for (const auto& i : order.items) {
            if (!items.empty()) items += lang == parley::language::zh ? "、" : ", ";
            items += (i.quantity != 1 ? std::to_string(i.quantity) + " × " : "") + i.name;
        }
        text += sep + fill_placeholder(cfg.message("order_items", lang), "items", items);
    }
    return text;
}

}  // namespace parley::server
