#include "analytics.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "frames.hpp"
#include "parley/text.hpp"
#include "parley/tokenizer.hpp"

namespace parley::server {

using nlohmann::json;

namespace {

json summary(std::vector<std::int64_t> v) {
    if (v.empty()) return json{{"count", 0}, {"avg", nullptr}, {"p50", nullptr}};
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (auto x : v) sum += static_cast<double>(x);
    return json{{"count", v.size()},
                {"avg", sum / static_cast<double>(v.size())},
                {"p50", v[(v.size() - 1) / 2]}};
}

std::string payload_kind(const message_record& m) {
    if (m.payload.empty()) return "";
    const json p = json::parse(m.payload, nullptr, false);
    return p.is_object() ? p.value("kind", "") : "";
}

std::set<std::string> words(const std::string& text) {
    const auto tokens = parley::tokenize(parley::normalize(text));
    return {tokens.begin(), tokens.end()};
}

}  // namespace

std::vector<question_group> group_questions(const std::vector<std::string>& questions,
                                            double min_overlap) {
    struct group {
        std::set<std::string> words;
        std::map<std::string, int> phrasings;
        int count = 0;
    };
    std::vector<group> groups;
    for (const auto& q : questions) {
        const auto w = words(q);
        group* best = nullptr;
        double best_score = 0;
        for (auto& g : groups) {
            std::size_t common = 0;
            for (const auto& x : w) common += g.words.count(x);
            const std::size_t all = w.size() + g.words.size() - common;
            const double score = all ? static_cast<double>(common) / static_cast<double>(all)
                                     : (q.empty() ? 0.0 : 1.0);
            if (score >= min_overlap && score > best_score) {
                best = &g;
                best_score = score;
            }
        }
        if (!best) {
            groups.push_back({w, {}, 0});
            best = &groups.back();
        }
        ++best->phrasings[q];
        ++best->count;
    }
    std::vector<question_group> out;
    for (const auto& g : groups) {
        question_group qg;
        qg.count = g.count;
        std::vector<std::pair<std::string, int>> ranked(g.phrasings.begin(), g.phrasings.end());
        std::stable_sort(ranked.begin(), ranked.end(),
                         [](const auto& a, const auto& b) { return a.second > b.second; });
        qg.question = ranked.front().first;
        for (std::size_t i = 0; i < ranked.size() && i < 5; ++i)
            qg.examples.push_back(ranked[i].first);
        out.push_back(std::move(qg));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.count > b.count; });
    return out;
}

json analytics_report(store& db, std::int64_t from, std::int64_t to) {
    conversation_filter f;
    f.since = from;
    f.until = to;
    f.limit = 100000;
    const auto list = db.list_conversations(f);
    std::int64_t total = 0, handed = 0, bot_only = 0, closed = 0, rated = 0, resolved = 0;
    double csat_sum = 0;
    std::map<std::string, std::int64_t> reasons, intents;
    std::map<int, std::int64_t> csat;
    struct day_counts {
        std::int64_t conversations = 0, handed_off = 0, bot_only = 0, rated = 0;
        double csat_sum = 0;
    };
    std::map<std::string, day_counts> days;
    std::vector<std::int64_t> bot_first, human_first, handle;
    std::vector<std::string> unanswered;

    for (const auto& c : list) {
        const auto msgs = db.messages_after(c.id, 0, 10000);
        const auto first_shopper = std::find_if(msgs.begin(), msgs.end(), [](const auto& m) {
            return m.author == author_kind::shopper;
        });
        // A notice pushed by the shop with no reply from the shopper is no conversation.
        if (first_shopper == msgs.end() && c.queued_at == 0 && c.csat_score == 0) continue;
        ++total;
        auto& day = days[utc_date(c.created_at)];
        ++day.conversations;
        if (c.queued_at > 0) {
            ++handed;
            ++day.handed_off;
            ++reasons[c.handoff_reason.empty() ? "unknown" : c.handoff_reason];
        } else {
            ++bot_only;
            ++day.bot_only;
        }
        if (!c.intent.empty()) ++intents[c.intent];
        if (c.status == conversation_status::closed) ++closed;
        if (c.csat_score > 0) {
            ++rated;
            csat_sum += c.csat_score;
            ++csat[c.csat_score];
            ++day.rated;
            day.csat_sum += c.csat_score;
        }
        if (first_shopper != msgs.end()) {
            const auto reply = std::find_if(first_shopper, msgs.end(), [](const auto& m) {
                return m.author == author_kind::bot;
            });
            if (reply != msgs.end())
                bot_first.push_back(reply->created_at - first_shopper->created_at);
        }
        if (c.queued_at > 0) {
            const auto agent = std::find_if(msgs.begin(), msgs.end(), [&](const auto& m) {
                return m.author == author_kind::agent && m.created_at >= c.queued_at;
            });
            if (agent != msgs.end()) human_first.push_back(agent->created_at - c.queued_at);
        }
        if (c.claimed_at > 0 && c.closed_at >= c.claimed_at)
            handle.push_back(c.closed_at - c.claimed_at);

        std::string last_bot_kind;
        const message_record* last_shopper = nullptr;
        for (const auto& m : msgs) {
            if (m.author == author_kind::shopper) last_shopper = &m;
            if (m.author != author_kind::bot) continue;
            const auto kind = payload_kind(m);
            if (kind == "proactive") continue;
            last_bot_kind = kind;
            if (kind == "fallback" && last_shopper) unanswered.push_back(last_shopper->text);
        }
        const bool bot_resolved = c.queued_at == 0 && first_shopper != msgs.end() &&
                                  last_bot_kind != "fallback" && last_bot_kind != "offline" &&
                                  last_bot_kind != "handoff";
        const bool agent_resolved =
            c.queued_at > 0 && c.claimed_at > 0 && c.status == conversation_status::closed;
        if (bot_resolved || agent_resolved) ++resolved;
    }

    json dist = json::object();
    for (int s = 1; s <= 5; ++s) dist[std::to_string(s)] = csat[s];
    json per_day = json::array();
    for (const auto& [d, n] : days)
        per_day.push_back(json{{"day", d},
                               {"conversations", n.conversations},
                               {"bot_only", n.bot_only},
                               {"handed_off", n.handed_off},
                               {"csat_count", n.rated},
                               {"csat_average", n.rated ? n.csat_sum / n.rated : 0.0}});
    json top = json::array();
    const auto groups = group_questions(unanswered);
    for (std::size_t i = 0; i < groups.size() && i < 20; ++i)
        top.push_back(json{{"question", groups[i].question},
                           {"count", groups[i].count},
                           {"examples", groups[i].examples}});
    const auto rate = [&](std::int64_t n) { return total ? double(n) / double(total) : 0.0; };
    return json{
        {"from", from},
        {"to", to},
        {"conversations", total},
        {"handed_off", handed},
        {"bot_only", bot_only},
        {"closed", closed},
        {"handoff_rate", rate(handed)},
        {"deflection_rate", rate(bot_only)},
        {"first_contact_resolution", rate(resolved)},
        {"handoff_reasons", reasons},
        {"intents", intents},
        {"csat_count", rated},
        {"csat_average", rated ? csat_sum / rated : 0.0},
        {"csat_distribution", dist},
        {"first_response_ms", {{"bot", summary(bot_first)}, {"human", summary(human_first)}}},
        {"handle_time_ms", summary(handle)},
        {"per_day", per_day},
        {"unanswered", top}};
}

std::string analytics_csv(const json& report) {
    std::string out = "day,conversations,bot_only,handed_off,csat_count,csat_average\n";
    for (const auto& d : report.value("per_day", json::array())) {
        char avg[32];
        std::snprintf(avg, sizeof avg, "%.2f", d.value("csat_average", 0.0));
        out += d.value("day", "") + "," + std::to_string(d.value("conversations", 0)) + "," +
               std::to_string(d.value("bot_only", 0)) + "," +
               std::to_string(d.value("handed_off", 0)) + "," +
               std::to_string(d.value("csat_count", 0)) + "," + avg + "\n";
    }
    return out;
}

}  // namespace parley::server
