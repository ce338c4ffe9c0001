#include "api.hpp"

#include "analytics.hpp"
#include "demo_orders.hpp"
#include "shop_endpoint.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "auth.hpp"
#include "frames.hpp"
#include "parley/pii.hpp"
#include "parley/utf8.hpp"

namespace parley::server {

namespace http = boost::beast::http;
using nlohmann::json;

namespace {

constexpr std::int64_t session_ttl_ms = 12LL * 3600 * 1000;
constexpr const char* cookie_name = "parley_session";

std::string cookie_value(const http_request& req, std::string_view name) {
    const std::string cookies = header(req, "Cookie");
    std::size_t pos = 0;
    while (pos < cookies.size()) {
        auto end = cookies.find(';', pos);
        if (end == std::string::npos) end = cookies.size();
        std::string_view part(cookies.data() + pos, end - pos);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        if (part.size() > name.size() && part.substr(0, name.size()) == name &&
            part[name.size()] == '=')
            return std::string(part.substr(name.size() + 1));
        pos = end + 1;
    }
    return {};
}

std::string bearer(const http_request& req) {
    const std::string auth = header(req, "Authorization");
    if (auth.rfind("Bearer ", 0) == 0) return auth.substr(7);
    return {};
}

// Splits "/api/tickets/7/reply?x=1" into path parts and a query map.
struct target {
    std::vector<std::string> parts;
    std::map<std::string, std::string> query;
};
target parse_target(std::string_view t) {
    target out;
    const auto q = t.find('?');
    std::string_view path = t.substr(0, q);
    if (q != std::string_view::npos) {
        std::string_view rest = t.substr(q + 1);
        while (!rest.empty()) {
            auto amp = rest.find('&');
            std::string_view kv = rest.substr(0, amp);
            auto eq = kv.find('=');
            out.query[std::string(kv.substr(0, eq))] =
                eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1));
            if (amp == std::string_view::npos) break;
            rest.remove_prefix(amp + 1);
        }
    }
    std::size_t pos = 0;
    while (pos < path.size()) {
        auto next = path.find('/', pos);
        if (next == std::string_view::npos) next = path.size();
        if (next > pos) out.parts.emplace_back(path.substr(pos, next - pos));
        pos = next + 1;
    }
    return out;
}

std::int64_t query_int(const target& t, const std::string& key, std::int64_t fallback) {
    auto it = t.query.find(key);
    if (it == t.query.end()) return fallback;
    std::int64_t v = fallback;
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    if (ec != std::errc() || p != it->second.data() + it->second.size())
        throw std::invalid_argument("query parameter '" + key + "' must be an integer");
    return v;
}

json parse_body(const http_request& req) {
    json j = json::parse(req.body(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw std::invalid_argument("the request body must be a JSON object");
    return j;
}

void only_fields(const json& j, std::initializer_list<std::string_view> allowed) {
    for (const auto& [k, v] : j.items()) {
        if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
            throw std::invalid_argument("unknown field '" + k + "'");
    }
}

std::string body_string(const json& j, const std::string& key, std::size_t max) {
    if (!j.contains(key) || !j[key].is_string() || j[key].get_ref<const std::string&>().empty())
        throw std::invalid_argument("'" + key + "' must be a non-empty string");
    const auto& s = j[key].get_ref<const std::string&>();
    if (s.size() > max)
        throw std::invalid_argument("'" + key + "' is longer than " + std::to_string(max));
    return s;
}

struct http_failure {
    unsigned status;
    std::string message;
};

bool state_changing(const http_request& req) {
    return req.method() == http::verb::post || req.method() == http::verb::put ||
           req.method() == http::verb::delete_ || req.method() == http::verb::patch;
}

// Agent or admin, with the CSRF header on state-changing requests.
signed_in require_agent(hub& h, const http_request& req, bool admin) {
    auto who = authenticate(h, req);
    if (!who) throw http_failure{401, "sign in first"};
    if (admin && who->agent.role != agent_role::admin)
        throw http_failure{403, "this needs an admin account"};
    if (state_changing(req) &&
        !constant_time_equal(header(req, "X-CSRF-Token"), who->session.csrf_token))
        throw http_failure{403, "missing or wrong X-CSRF-Token header"};
    return *who;
}

// A shopper proves a conversation is theirs with its token, or (identified
// shoppers) with their user id and its HMAC.
bool shopper_owns(hub& h, const http_request& req, const conversation_record& c) {
    const std::string token = bearer(req);
    if (!token.empty() && constant_time_equal(sha256_hex(token), c.token_hash) && c.user_id.empty())
        return true;
    const std::string user = header(req, "X-Parley-User");
    const std::string hash = header(req, "X-Parley-User-Hash");
    const auto secret = h.shop()->cfg().identity_secret;
    return !user.empty() && !secret.empty() && c.user_id == user &&
           verify_user_hash(secret, user, hash);
}

http_response static_response(hub& h, const http_request& req) {
    if (req.method() != http::verb::get && req.method() != http::verb::head)
        return error_response(req, 405, "method not allowed");
    const std::string path(req.target().substr(0, req.target().find('?')));
    const auto file = h.files().find(path);
    if (!file) return error_response(req, 404, "not found");
    const std::string accept = header(req, "Accept-Encoding");
    // Brotli first (about 20% smaller than gzip on the wasm core), then gzip.
    const bool brotli = !file->brotli.empty() && accepts_brotli(accept);
    const bool gzip = !brotli && !file->gzip.empty() && accepts_gzip(accept);
    const std::string& etag = brotli ? file->brotli_etag : gzip ? file->gzip_etag : file->etag;
    http_response res{http::status::ok, req.version()};
    res.keep_alive(req.keep_alive());
    res.set(http::field::content_type, file->content_type);
    res.set(http::field::etag, etag);
    res.set(http::field::cache_control, file->cache_control);
    res.set(http::field::vary, "Accept-Encoding");
    res.set("X-Content-Type-Options", "nosniff");
    if (file->content_type.rfind("text/html", 0) != 0) {
        // The widget's code (modules, the wasm core) is fetched in CORS mode
        // by shop pages on other origins; these files are public and hold no
        // credentials, so any origin may read them.
        res.set(http::field::access_control_allow_origin, "*");
    }
    if (file->content_type.rfind("text/html", 0) == 0) {
        // Our own pages: no inline script anywhere, so a strict CSP costs nothing.
        res.set("Content-Security-Policy",
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
                "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'");
        res.set("Referrer-Policy", "same-origin");
    }
    const std::string inm = header(req, "If-None-Match");
    if (etag_matches(inm, file->etag) || etag_matches(inm, file->gzip_etag) ||
        etag_matches(inm, file->brotli_etag)) {
        res.result(http::status::not_modified);
        res.erase(http::field::content_type);
        return res;
    }
    if (brotli) res.set(http::field::content_encoding, "br");
    if (gzip) res.set(http::field::content_encoding, "gzip");
    const std::string& bytes = brotli ? file->brotli : gzip ? file->gzip : file->body;
    if (req.method() == http::verb::head) {
        res.content_length(bytes.size());
    } else {
        res.body() = bytes;
        res.prepare_payload();
    }
    return res;
}

// A config the merchant sent, as the JSON text to validate and store.
std::string config_text(const json& body) {
    if (!body.is_object()) throw http_failure{400, "expected the config as a JSON object"};
    return dump(body);
}

http_response config_refused(const http_request& req, const parley::config_error& e) {
    return json_response(req, 400,
                         json{{"error", e.what()}, {"path", e.path()}, {"expected", e.expected()}});
}

json version_json(const config_version_record& v, std::int64_t current) {
    return json{{"version", v.version},
                {"published_at", v.published_at},
                {"published_by", v.published_by},
                {"note", v.note},
                {"source", v.source},
                {"current", v.version == current}};
}

// /api/config…: the merchant's published config, its versions, validation,
// publishing, rollback and the "test your bot" box (admins only).
http_response config_api(hub& h, const http_request& req, const target& t) {
    const auto& p = t.parts;
    const auto method = req.method();
    auto& db = h.db();
    if (p.size() == 2 && method == http::verb::get) {
        require_agent(h, req, true);
        const auto shop = h.shop();
        json out{{"config", json::parse(shop->json)}, {"version", shop->version}};
        if (auto v = db.find_config_version(shop->version)) {
            out["published_at"] = v->published_at;
            out["published_by"] = v->published_by;
            out["note"] = v->note;
        }
        return json_response(req, 200, out);
    }
    const auto who = require_agent(h, req, true);  // + CSRF for POST/PUT
    const std::string action = p.size() >= 3 ? p[2] : "";
    if ((p.size() == 2 && method == http::verb::put) ||
        (action == "publish" && p.size() == 3 && method == http::verb::post)) {
        const json body = parse_body(req);
        json cfg = body;
        std::string note;
        if (action == "publish") {
            only_fields(body, {"config", "note"});
            if (!body.contains("config")) throw http_failure{400, "'config' is required"};
            cfg = body["config"];
            note = body.contains("note") ? body_string(body, "note", 500) : "";
        }
        try {
            const auto v = h.publish_config(config_text(cfg), who.agent.email, note, "admin");
            return json_response(req, 200, json{{"version", v.version}});
        } catch (const parley::config_error& e) {
            return config_refused(req, e);
        }
    }
    if (action == "validate" && p.size() == 3 && method == http::verb::post) {
        try {
            parley::parse_config(config_text(parse_body(req)));
            return json_response(req, 200, json{{"ok", true}});
        } catch (const parley::config_error& e) {
            return config_refused(req, e);
        }
    }
    if (action == "versions" && p.size() == 3 && method == http::verb::get) {
        json list = json::array();
        const auto current = h.shop()->version;
        for (const auto& v : db.list_config_versions(static_cast<std::size_t>(
                 std::clamp<std::int64_t>(query_int(t, "limit", 100), 1, 1000))))
            list.push_back(version_json(v, current));
        return json_response(req, 200, json{{"versions", list}});
    }
    if (action == "versions" && p.size() == 4 && method == http::verb::get) {
        std::int64_t n = 0;
        auto [ptr, ec] = std::from_chars(p[3].data(), p[3].data() + p[3].size(), n);
        if (ec != std::errc() || ptr != p[3].data() + p[3].size())
            throw http_failure{400, "the version must be a number"};
        auto v = db.find_config_version(n);
        if (!v) throw http_failure{404, "no such version"};
        json out = version_json(*v, h.shop()->version);
        out["config"] = json::parse(v->config);
        return json_response(req, 200, out);
    }
    if (action == "rollback" && p.size() == 3 && method == http::verb::post) {
        const json body = parse_body(req);
        only_fields(body, {"version"});
        if (!body.contains("version") || !body["version"].is_number_integer())
            throw http_failure{400, "'version' must be a version number"};
        const auto n = body["version"].get<std::int64_t>();
        auto v = db.find_config_version(n);
        if (!v) throw http_failure{404, "no such version"};
        const auto published =
            h.publish_config(v->config, who.agent.email, "rollback to version " + std::to_string(n),
                             "rollback:" + std::to_string(n));
        return json_response(req, 200, json{{"version", published.version}});
    }
    if (action == "try" && p.size() == 3 && method == http::verb::post) {
        const json body = parse_body(req);
        only_fields(body, {"config", "questions"});
        if (!body.contains("questions") || !body["questions"].is_array() ||
            body["questions"].size() > 500)
            throw http_failure{400, "'questions' must be an array of at most 500 strings"};
        std::shared_ptr<const shop_runtime> current = h.shop();
        std::optional<parley::dialog_engine> draft;
        if (body.contains("config") && !body["config"].is_null()) {
            try {
                draft.emplace(parley::parse_config(config_text(body["config"])));
            } catch (const parley::config_error& e) {
                return config_refused(req, e);
            }
            h.attach_vectors(*draft);  // the preview answers as the published bot would
        }
        const parley::dialog_engine& engine = draft ? *draft : current->engine;
        json results = json::array();
        for (const auto& q : body["questions"]) {
            if (!q.is_string()) throw http_failure{400, "'questions' must be strings"};
            const std::string text = utf8::sanitize(q.get<std::string>().substr(0, 4000));
            parley::session s;  // every question on its own, like a new shopper
            const auto v = h.embed_message(engine, text);
            const auto r = engine.respond(s, text, v.embedding, v.frustration);
            json candidates = json::array();
            if (r.kind == parley::reply_kind::clarify)
                for (const auto& c : r.quick_replies) candidates.push_back(c.label);
            results.push_back(json{{"question", text},
                                   {"kind", parley::reply_kind_name(r.kind)},
                                   {"item_id", r.item_id},
                                   {"confidence", r.confidence},
                                   {"text", r.text},
                                   {"lang", parley::language_code(r.lang)},
                                   {"handoff", parley::handoff_reason_name(r.handoff)},
                                   {"candidates", candidates}});
        }
        return json_response(req, 200, json{{"results", results}});
    }
    throw http_failure{404, "no such config endpoint"};
}

http_response api(hub& h, const http_request& req, const std::string& ip, const target& t) {
    auto& db = h.db();
    const auto& p = t.parts;  // p[0] == "api"
    const auto method = req.method();
    const std::string what = p.size() > 1 ? p[1] : "";

    if (what == "login" && p.size() == 2) {
        if (method != http::verb::post) throw http_failure{405, "use POST"};
        if (!h.allow_login(ip)) throw http_failure{429, "too many sign-in attempts; wait a minute"};
        const json body = parse_body(req);
        only_fields(body, {"email", "password"});
        std::string email = body_string(body, "email", 254);
        std::transform(email.begin(), email.end(), email.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const std::string password = body_string(body, "password", 1024);
        auto agent = db.find_agent_by_email(email);
        // Same message either way: do not reveal which emails have accounts.
        if (!agent || !verify_password(agent->password_hash, password)) {
            h.metrics().counter("parley_logins_total", "Sign-ins", {{"result", "refused"}}).inc();
            throw http_failure{401, "wrong email or password"};
        }
        const std::string token = random_token(32);
        auth_session_record s;
        s.token_hash = sha256_hex(token);
        s.agent_id = agent->id;
        s.csrf_token = random_token(16);
        s.expires_at = now_ms() + session_ttl_ms;
        db.create_auth_session(s);
        h.metrics().counter("parley_logins_total", "Sign-ins", {{"result", "ok"}}).inc();
        auto res =
            json_response(req, 200, json{{"agent", agent_json(*agent)}, {"csrf", s.csrf_token}});
        res.set(http::field::set_cookie, std::string(cookie_name) + "=" + token +
                                             "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                             std::to_string(session_ttl_ms / 1000));
        return res;
    }
    if (what == "logout" && p.size() == 2) {
        if (method != http::verb::post) throw http_failure{405, "use POST"};
        auto who = require_agent(h, req, false);
        db.delete_auth_session(who.session.token_hash);
        auto res = json_response(req, 200, json{{"ok", true}});
        res.set(http::field::set_cookie,
                std::string(cookie_name) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        return res;
    }
    if (what == "me" && p.size() == 2) {
        auto who = require_agent(h, req, false);
        return json_response(
            req, 200, json{{"agent", agent_json(who.agent)}, {"csrf", who.session.csrf_token}});
    }
    if (what == "config") return config_api(h, req, t);
    if (what == "shop-config" && p.size() == 2) {
        // What the widget's in-page core needs: the published config minus
        // server-only secrets. Public (FAQs are public anyway), cacheable for
        // a short while, readable cross-origin by the shop's allowed origins.
        if (method != http::verb::get) throw http_failure{405, "use GET"};
        const auto shop = h.shop();
        // ?lang=en|zh: the page's language only; anything else, every language.
        const auto lang = t.query.find("lang");
        const public_config& pub =
            shop->public_for(lang == t.query.end() ? std::string_view{} : lang->second);
        http_response res{http::status::ok, req.version()};
        res.keep_alive(req.keep_alive());
        res.set(http::field::content_type, "application/json; charset=utf-8");
        res.set(http::field::cache_control, "no-cache");
        res.set(http::field::etag, pub.etag);
        res.set(http::field::vary, "Accept-Encoding, Origin");
        // Says the form holds one language only (a one-language shop's is the whole config).
        if (&pub != &shop->published) res.set(http::field::content_language, lang->second);
        if (etag_matches(header(req, "If-None-Match"), pub.etag)) {
            res.result(http::status::not_modified);
        } else {
            const std::string accept = header(req, "Accept-Encoding");
            if (accepts_brotli(accept)) {
                res.set(http::field::content_encoding, "br");
                res.body() = pub.brotli;
            } else if (accepts_gzip(accept)) {
                res.set(http::field::content_encoding, "gzip");
                res.body() = pub.gzip;
            } else {
                res.body() = pub.json;
            }
            res.prepare_payload();
        }
        const std::string origin = header(req, "Origin");
        if (!origin.empty()) {
            auto host_it = req.find(http::field::host);
            const std::string host = host_it == req.end() ? "" : std::string(host_it->value());
            if (h.origin_allowed(origin, host)) {
                res.set(http::field::access_control_allow_origin, origin);
            }
        }
        return res;
    }
    if (what == "conversations") {
        if (method != http::verb::get) throw http_failure{405, "use GET"};
        if (p.size() == 2) {
            require_agent(h, req, false);
            conversation_filter f;
            if (auto it = t.query.find("status"); it != t.query.end()) {
                f.status = status_from_name(it->second);
                if (!f.status) throw std::invalid_argument("unknown status '" + it->second + "'");
            }
            f.limit = static_cast<std::size_t>(
                std::clamp<std::int64_t>(query_int(t, "limit", 100), 1, 1000));
            f.since = query_int(t, "from", 0);
            f.until = query_int(t, "to", 0);
            json list = json::array();
            for (const auto& c : db.list_conversations(f)) list.push_back(conversation_json(c));
            return json_response(req, 200, json{{"conversations", list}});
        }
        if (p.size() == 3) {
            auto c = db.find_conversation(p[2]);
            const bool agent = authenticate(h, req).has_value();
            if (!agent && (!c || !shopper_owns(h, req, *c))) {
                // Same answer for "no such conversation" and "not yours".
                throw http_failure{
                    bearer(req).empty() && header(req, "X-Parley-User").empty() ? 401u : 404u,
                    "no such conversation"};
            }
            if (!c) throw http_failure{404, "no such conversation"};
            json messages = json::array();
            for (const auto& m : db.messages_after(c->id, 0, 10000)) {
                if (agent) {
                    messages.push_back(agent_message_json(m));
                } else if (m.author != author_kind::note) {
                    messages.push_back(shopper_message_json(m, h.agent_name(m.agent_id)));
                }
            }
            json conv = conversation_json(*c);
            if (!agent) conv.erase("agent_id");
            return json_response(req, 200, json{{"conversation", conv}, {"messages", messages}});
        }
    }
    if (what == "tickets") {
        if (p.size() == 2 && method == http::verb::get) {
            require_agent(h, req, false);
            std::optional<ticket_status> status;
            if (auto it = t.query.find("status"); it != t.query.end()) {
                status = ticket_status_from_name(it->second);
                if (!status) throw std::invalid_argument("unknown status '" + it->second + "'");
            }
            json list = json::array();
            for (const auto& tk : db.list_tickets(status, 500)) list.push_back(ticket_json(tk));
            return json_response(req, 200, json{{"tickets", list}});
        }
        if (p.size() == 4 && p[3] == "reply" && method == http::verb::post) {
            auto who = require_agent(h, req, false);
            std::int64_t id = 0;
            auto [ptr, ec] = std::from_chars(p[2].data(), p[2].data() + p[2].size(), id);
            if (ec != std::errc() || ptr != p[2].data() + p[2].size())
                throw http_failure{404, "no such ticket"};
            const json body = parse_body(req);
            only_fields(body, {"text"});
            const std::string text = body_string(body, "text", 4000);
            switch (h.answer_ticket(id, text, who.agent.id)) {
                case hub::ticket_answer::not_found:
                    throw http_failure{404, "no such ticket"};
                case hub::ticket_answer::not_open:
                    throw http_failure{409, "the ticket was already answered"};
                case hub::ticket_answer::answered:
                    break;
            }
            return json_response(req, 200, json{{"ticket", ticket_json(*db.find_ticket(id))}});
        }
        throw http_failure{405, "unsupported method for this path"};
    }
    if (what == "canned" && p.size() == 2 && method == http::verb::get) {
        require_agent(h, req, false);
        json list = json::array();
        for (const auto& c : db.list_canned())
            list.push_back(json{{"id", c.id}, {"title", c.title}, {"text", c.text}});
        return json_response(req, 200, json{{"canned", list}});
    }
    if (what == "analytics" && p.size() == 2 && method == http::verb::get) {
        require_agent(h, req, true);
        const auto to = query_int(t, "to", 0);
        return json_response(req, 200, analytics_report(h.db(), query_int(t, "from", 0), to));
    }
    if (what == "analytics.csv" && p.size() == 2 && method == http::verb::get) {
        require_agent(h, req, true);
        const auto report =
            analytics_report(h.db(), query_int(t, "from", 0), query_int(t, "to", 0));
        http_response res{http::status::ok, req.version()};
        res.set(http::field::content_type, "text/csv; charset=utf-8");
        res.set(http::field::content_disposition, "attachment; filename=\"parley-analytics.csv\"");
        res.set(http::field::cache_control, "no-store");
        res.keep_alive(req.keep_alive());
        res.body() = analytics_csv(report);
        res.prepare_payload();
        return res;
    }
    if (what == "shopper" && p.size() == 2 && method == http::verb::delete_) {
        std::vector<std::string> ids;
        std::string user_id, token_hash;
        if (auto who = authenticate(h, req)) {
            require_agent(h, req, true);  // admin + CSRF
            const json body = parse_body(req);
            only_fields(body, {"user_id"});
            user_id = body_string(body, "user_id", 128);
        } else {
            const std::string token = bearer(req);
            const std::string user = header(req, "X-Parley-User");
            if (!user.empty()) {
                const auto secret = h.shop()->cfg().identity_secret;
                if (secret.empty() ||
                    !verify_user_hash(secret, user, header(req, "X-Parley-User-Hash")))
                    throw http_failure{403, "the user hash does not match"};
                user_id = user;
            } else if (!token.empty()) {
                token_hash = sha256_hex(token);
            } else {
                throw http_failure{401, "send the conversation token or the verified user"};
            }
        }
        if (!user_id.empty())
            for (const auto& c : db.conversations_for_user(user_id)) ids.push_back(c.id);
        if (!token_hash.empty())
            if (auto c = db.find_conversation_by_token(token_hash)) ids.push_back(c->id);
        const auto deleted = db.delete_shopper(user_id, token_hash);
        for (const auto& id : ids) h.publish(json{{"e", "deleted"}, {"c", id}});
        h.log().info("gdpr_delete", {{"conversations", deleted}});
        return json_response(req, 200, json{{"deleted_conversations", deleted}});
    }
    if (what == "webhooks" && p.size() == 3 && p[2] == "deliveries" && method == http::verb::get) {
        require_agent(h, req, true);
        json list = json::array();
        for (const auto& o : db.list_outbox(static_cast<std::size_t>(
                 std::clamp<std::int64_t>(query_int(t, "limit", 200), 1, 1000))))
            list.push_back(json{{"id", o.id},
                                {"event_id", o.event_id},
                                {"event", o.event},
                                {"url", o.url},
                                {"state", outbox_state_name(o.state)},
                                {"attempts", o.attempts},
                                {"created_at", o.created_at},
                                {"next_attempt_at", o.next_attempt_at},
                                {"delivered_at", o.delivered_at},
                                {"last_status", o.last_status},
                                {"last_error", o.last_error}});
        return json_response(req, 200, json{{"deliveries", list}});
    }
    if (what == "notify" && p.size() == 2 && method == http::verb::post) {
        // The shop's system tells an identified shopper something ("your
        // order is delayed"): signed with integrations.inbound_secret.
        const auto shop = h.shop();
        const auto& secret = shop->cfg().integrations.inbound_secret;
        if (secret.empty()) throw http_failure{404, "inbound notices are not configured"};
        if (!verify_signature(secret, header(req, "X-Parley-Timestamp"),
                              header(req, "X-Parley-Signature"), req.body(), now_ms() / 1000))
            throw http_failure{401,
                               "missing, stale or wrong X-Parley-Timestamp/X-Parley-Signature"};
        const json body = parse_body(req);
        only_fields(body, {"user_id", "text", "id"});
        const std::string user_id = body_string(body, "user_id", 128);
        const std::string text = utf8::sanitize(body_string(body, "text", 2000));
        const std::string id = body.contains("id") ? body_string(body, "id", 64) : random_token(8);
        if (user_id.empty() || text.empty())
            throw http_failure{400, "'user_id' and 'text' are required"};
        auto mine = db.conversations_for_user(user_id);
        // Never pestered: at most proactive.max_per_day notices a day per
        // shopper (a retry of one already stored is still answered).
        const auto now = now_ms();
        int today = 0;
        bool seen = false;
        for (const auto& conv : mine) {
            if (conv.updated_at < now - 86'400'000) break;  // newest first
            for (const auto& m : db.messages_after(conv.id, 0, 10000)) {
                if (m.client_id.rfind("notice:", 0) != 0) continue;
                if (m.client_id == "notice:" + id) seen = true;
                if (m.created_at >= now - 86'400'000) ++today;
            }
        }
        if (!seen && today >= shop->cfg().proactive.max_per_day)
            throw http_failure{429, "this shopper already got " + std::to_string(today) +
                                        " notices today (proactive.max_per_day)"};
        std::optional<conversation_record> c;
        if (!mine.empty()) {
            c = mine.front();
        } else {
            // The shopper has not chatted yet: the notice opens their conversation
            // (found again by their verified id when the widget says hello).
            new_conversation nc;
            nc.token_hash = sha256_hex(random_token(32));
            nc.user_id = user_id;
            nc.locale = std::string(parley::language_code(shop->cfg().shop.locale));
            nc.now = now_ms();
            c = db.create_conversation(nc);
        }
        new_message m;
        m.conversation_id = c->id;
        m.client_id = "notice:" + id;  // the shop retrying a notice stores it once
        m.author = author_kind::bot;
        m.text = text;
        m.payload = dump(json{{"kind", "proactive"}, {"notice_id", id}});
        m.now = now_ms();
        const auto stored = db.append_message(m);
        if (!stored.duplicate) h.publish_message(stored.message, c->status);
        return json_response(req, stored.duplicate ? 200 : 201,
                             json{{"conversation_id", c->id},
                                  {"message_id", stored.message.seq},
                                  {"duplicate", stored.duplicate}});
    }
    throw http_failure{404, "no such API endpoint"};
}

}  // namespace

http_response json_response(const http_request& req, unsigned status, const json& body) {
    http_response res{static_cast<http::status>(status), req.version()};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = dump(body);
    res.prepare_payload();
    return res;
}

std::string header(const http_request& req, std::string_view name) {
    auto it = req.find(name);
    return it == req.end() ? std::string() : std::string(it->value());
}

http_response error_response(const http_request& req, unsigned status, std::string_view message) {
    return json_response(req, status, json{{"error", message}});
}

std::optional<signed_in> authenticate(hub& h, const http_request& req) {
    const std::string token = cookie_value(req, cookie_name);
    if (token.empty() || token.size() > 128) return std::nullopt;
    auto s = h.db().find_auth_session(sha256_hex(token), now_ms());
    if (!s) return std::nullopt;
    auto a = h.db().find_agent(s->agent_id);
    if (!a) return std::nullopt;
    return signed_in{*a, *s};
}

http_response handle_request(hub& h, const http_request& req, const std::string& ip) {
    const auto started = std::chrono::steady_clock::now();
    const std::string_view full(req.target().data(), req.target().size());
    const target t = parse_target(full);
    std::string route = "static";
    http_response res;
    try {
        if (!h.allow_request(ip)) throw http_failure{429, "too many requests; slow down"};
        if (!t.parts.empty() && t.parts[0] == "healthz" && t.parts.size() == 1) {
            route = "healthz";
            const bool ok = h.db().healthy();
            res = json_response(req, ok ? 200 : 503,
                                json{{"status", ok ? "ok" : "unavailable"},
                                     {"store", h.db().kind()},
                                     {"node", h.settings().node_id}});
        } else if (!t.parts.empty() && t.parts[0] == "metrics" && t.parts.size() == 1) {
            route = "metrics";
            h.metrics()
                .gauge("parley_shopper_sockets", "Open shopper sockets on this node")
                .set(static_cast<double>(h.shopper_sockets.load()));
            h.metrics()
                .gauge("parley_agent_sockets", "Open agent sockets on this node")
                .set(static_cast<double>(h.agent_sockets.load()));
            h.metrics()
                .gauge("parley_agents_online", "Agents online in the deployment")
                .set(h.agents_online());
            res = http_response{http::status::ok, req.version()};
            res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
            res.keep_alive(req.keep_alive());
            res.body() = h.metrics().render();
            res.prepare_payload();
        } else if (t.parts.size() >= 2 && t.parts[0] == "demo-shop" && t.parts[1] == "api") {
            route = "demo_shop";
            res = handle_demo_shop(h, req);
        } else if (!t.parts.empty() && t.parts[0] == "api") {
            route = "api";
            res = api(h, req, ip, t);
        } else {
            res = static_response(h, req);
        }
    } catch (const http_failure& f) {
        res = error_response(req, f.status, f.message);
    } catch (const std::invalid_argument& e) {
        res = error_response(req, 400, e.what());
    } catch (const std::exception& e) {
        h.log().error("request_failed",
                      {{"target", std::string(full.substr(0, 200))}, {"error", e.what()}});
        res = error_response(req, 500, "internal error");
    }
    h.metrics()
        .counter("parley_http_requests_total", "HTTP requests",
                 {{"route", route}, {"code", std::to_string(res.result_int())}})
        .inc();
    h.metrics()
        .histogram("parley_http_request_seconds", "HTTP request handling time", {{"route", route}})
        .observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return res;
}

}  // namespace parley::server
