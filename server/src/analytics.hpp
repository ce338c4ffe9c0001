#pragma once
// The merchant's numbers, computed from the stored conversations of a date
// range: volume per day, deflection (bot-only) and handoff rates with
// reasons, first-contact resolution, CSAT, first response times of the bot
// and of people, agent handle time, intents, and the questions the bot could
// not answer, grouped by similarity so the merchant can add them as FAQs.
//
// Definitions (also shown in /admin):
// - deflection rate: conversations never handed to a person / all;
// - first-contact resolution: conversations resolved in this one contact:
//   bot-only ones whose last bot reply was not a fallback or the offline
//   form, and handed-off ones an agent closed;
// - first response: from the shopper's first message to the bot's first
//   reply; for people from entering the queue to the first agent message;
// - handle time: from an agent's claim to the close.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store.hpp"

namespace parley::server {

nlohmann::json analytics_report(store& db, std::int64_t from, std::int64_t to);

// One row per day of the report (for spreadsheets).
std::string analytics_csv(const nlohmann::json& report);

struct question_group {
    std::string question;  // the most frequent phrasing
    int count = 0;
    std::vector<std::string> examples;  // up to 5 distinct phrasings
};
// Groups questions whose word sets overlap by at least `min_overlap`
// (Jaccard, on the core's tokens, so EN and ZH both work); largest first.
std::vector<question_group> group_questions(const std::vector<std::string>& questions,
                                            double min_overlap = 0.5);

}  // namespace parley::server
