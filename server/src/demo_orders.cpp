#include "demo_orders.hpp"

#include <array>
#include <chrono>
#include <ctime>

#include "auth.hpp"
#include "frames.hpp"
#include "shop_endpoint.hpp"
#include "store_support.hpp"

namespace parley::server {

namespace http = boost::beast::http;
using nlohmann::json;

namespace {

// Like any shop backend: the shared key and a fresh, valid signature, with
// the credentials the config's order_lookup endpoint uses.
bool authorized(hub& h, const http_request& req) {
    const auto shop = h.shop();
    const auto* ep = shop->cfg().integrations.endpoint("order_lookup");
    if (!ep) return false;
    if (auto key = ep->headers.find("X-Shop-Key"); key != ep->headers.end())
        if (!constant_time_equal(header(req, "X-Shop-Key"), key->second)) return false;
    if (ep->hmac_secret.empty()) return true;
    return verify_signature(ep->hmac_secret, header(req, "X-Parley-Timestamp"),
                            header(req, "X-Parley-Signature"),
                            endpoint_signed_text(std::string(req.method_string()),
                                                 std::string(req.target()), req.body()),
                            now_ms() / 1000);
}

}  // namespace

std::string url_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() &&
                   std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<demo_order_record> demo_order_catalog(std::int64_t now) {
    struct customer {
        const char* email;
        const char* name;
        const char* address;
    };
    static const std::array<customer, 6> customers{{
        {"alex@example.com", "Alex Morgan", "12 Harbour Street, Bristol BS1 4RN, UK"},
        {"mei.chen@example.com", "Chen Mei", "上海市徐汇区漕溪北路 88 号 200030"},
        {"sam.rivera@example.com", "Sam Rivera", "480 Market St, San Francisco, CA 94104, USA"},
        {"priya@example.com", "Priya Nair", "7 Rue des Lilas, 75011 Paris, France"},
        {"li.wei@example.com", "Li Wei", "北京市朝阳区建国路 1 号 100022"},
        {"jordan@example.com", "Jordan Lee", "55 King St W, Toronto, ON M5K 1A1, Canada"},
    }};
    struct product {
        const char* name;
        int cents;
    };
    static const std::array<product, 8> products{{{"Trail Jacket", 12900},
                                                  {"Merino Beanie", 2900},
                                                  {"Canvas Tote", 3400},
                                                  {"Ridge Boots", 16900},
                                                  {"Rain Shell", 9900},
                                                  {"Wool Socks (3 pairs)", 1900},
                                                  {"Down Vest", 11900},
                                                  {"Travel Mug", 2400}}};
    struct carrier {
        const char* name;
        const char* url;  // + tracking number
    };
    static const std::array<carrier, 3> carriers{
        {{"DHL", "https://www.dhl.com/track?id="},
         {"UPS", "https://www.ups.com/track?tracknum="},
         {"SF Express", "https://www.sf-express.com/track?no="}}};
    // Status by position, so every state is there and 1001 is "shipped".
    static const std::array<const char*, 12> statuses{
        "shipped",   "delivered", "processing",       "pending", "in_transit", "delivered",
        "cancelled", "delivered", "out_for_delivery", "shipped", "returned",   "delayed"};
    const std::int64_t day = 86'400'000;
    std::vector<demo_order_record> out;
    for (int i = 0; i < 36; ++i) {
        const int number = 1001 + i;
        const auto& who = customers[static_cast<std::size_t>(i % customers.size())];
        const std::string status = statuses[static_cast<std::size_t>(i % statuses.size())];
        const auto& via = carriers[static_cast<std::size_t>(i % carriers.size())];
        const std::int64_t placed = now - (2 + (i * 7) % 50) * day;
        json items = json::array();
        for (int k = 0; k <= i % 3; ++k) {
            const auto& p = products[static_cast<std::size_t>((i * 3 + k) % products.size())];
            items.push_back(
                {{"name", p.name}, {"quantity", 1 + (i + k) % 2}, {"price_cents", p.cents}});
        }
        json doc{{"number", std::to_string(number)},
                 {"email", who.email},
                 {"customer_name", who.name},
                 {"status", status},
                 {"placed_at", utc_date(placed)},
                 {"shipping_address", who.address},
                 {"items", items},
                 {"carrier", ""},
                 {"tracking_number", ""},
                 {"tracking_url", ""},
                 {"estimated_delivery", ""},
                 {"delivered_at", ""}};
        const bool shipped = status != "pending" && status != "processing" && status != "cancelled";
        if (shipped) {
            const std::string tracking = std::string(i % 3 == 2 ? "SF" : "1Z") +
                                         std::to_string(7300000000LL + number * 7919LL);
            doc["carrier"] = via.name;
            doc["tracking_number"] = tracking;
            doc["tracking_url"] = std::string(via.url) + tracking;
        }
        if (status == "delivered" || status == "returned") {
            // Alternately inside and outside a 30-day return window.
            const std::int64_t delivered = now - (i % 4 == 1 ? 5 : 45) * day;
            doc["delivered_at"] = utc_date(delivered);
        } else if (status != "cancelled") {
            doc["estimated_delivery"] = utc_date(now + (1 + i % 5) * day);
        }
        out.push_back({std::to_string(number), lower_ascii(who.email), dump(doc), now});
    }
    return out;
}

http_response handle_demo_shop(hub& h, const http_request& req) {
    if (!h.shop()->cfg().integrations.demo_orders)
        return json_response(req, 404, json{{"error", "the demo shop backend is off"}});
    if (!authorized(h, req))
        return json_response(req, 401, json{{"error", "bad key or signature"}});
    const std::string_view full(req.target().data(), req.target().size());
    const auto q = full.find('?');
    std::string_view path = full.substr(0, q);
    std::string email;
    if (q != std::string_view::npos) {
        std::string_view query = full.substr(q + 1);
        while (!query.empty()) {
            const auto amp = query.find('&');
            const auto kv = query.substr(0, amp);
            if (kv.rfind("email=", 0) == 0) email = url_decode(kv.substr(6));
            if (amp == std::string_view::npos) break;
            query.remove_prefix(amp + 1);
        }
    }
    constexpr std::string_view prefix = "/demo-shop/api/orders/";
    if (path.rfind(prefix, 0) != 0)
        return json_response(req, 404, json{{"error", "no such endpoint"}});
    path.remove_prefix(prefix.size());
    const auto slash = path.find('/');
    const std::string number = url_decode(path.substr(0, slash));
    const std::string action =
        slash == std::string_view::npos ? "" : std::string(path.substr(slash + 1));

    json body = json::object();
    if (req.method() == http::verb::post) {
        body = json::parse(req.body(), nullptr, false);
        if (!body.is_object())
            return json_response(req, 400, json{{"error", "expected a JSON object"}});
        if (body.contains("email") && body["email"].is_string()) email = body["email"];
        for (const auto* field : {"reason", "new_address", "email", "order_number"})
            if (body.contains(field) && !body[field].is_string())
                return json_response(req, 400,
                                     json{{"error", std::string(field) + " must be a string"}});
    }
    auto order = h.db().find_demo_order(number);
    // Wrong email and unknown number look the same: nobody learns that an order exists.
    if (!order || order->email != lower_ascii(email))
        return json_response(req, 404, json{{"error", "no order with this number and email"}});
    json doc = json::parse(order->document);

    if (action.empty() && req.method() == http::verb::get) return json_response(req, 200, doc);
    if (req.method() != http::verb::post)
        return json_response(req, 405, json{{"error", "use POST"}});

    const std::string status = doc.value("status", "");
    const std::string reference_suffix = random_token(3);
    std::string reference;
    if (action == "returns") {
        if (status != "delivered")
            return json_response(req, 409,
                                 json{{"error", "only delivered orders can be returned"}});
        reference = "R-" + number + "-" + reference_suffix;
        doc["status"] = "return_requested";
        doc["return"] = {{"reference", reference},
                         {"reason", body.value("reason", "")},
                         {"requested_at", utc_date(now_ms())}};
    } else if (action == "cancel") {
        if (status != "pending" && status != "processing")
            return json_response(req, 409, json{{"error", "the order has shipped"}});
        reference = "C-" + number + "-" + reference_suffix;
        doc["status"] = "cancelled";
        doc["estimated_delivery"] = "";
    } else if (action == "address") {
        if (status != "pending" && status != "processing")
            return json_response(req, 409, json{{"error", "the order has shipped"}});
        const std::string address = body.value("new_address", "");
        if (address.size() < 10)
            return json_response(req, 400, json{{"error", "new_address is too short"}});
        reference = "A-" + number + "-" + reference_suffix;
        doc["shipping_address"] = address;
    } else {
        return json_response(req, 404, json{{"error", "no such endpoint"}});
    }
    order->document = dump(doc);
    order->updated_at = now_ms();
    h.db().save_demo_order(*order);
    return json_response(req, 200, json{{"reference", reference}, {"status", doc["status"]}});
}

}  // namespace parley::server
