// Lexicon-based sentiment and frustration for English and Chinese shopper
// messages. Deliberately simple and explainable: every point of frustration
// comes from a matched cue that the agent console can show, and the whole
// module is plain tables plus two scans, so it costs microseconds in the
// browser (WebAssembly) and on the server alike.
//
// Model, in short (loosely after VADER, Hutto & Gilbert 2014):
//   - each lexicon entry carries a valence (about -3..+3) and a frustration
//     weight (0..1; anger, hostility, impatience and complaint language);
//   - English entries match whole words or short word sequences, Chinese
//     entries (and emoji / emoticons) match as substrings, longest first;
//   - negation ("not", "n't", "never", "no" within 3 words; 不/没/没有/别 right
//     before) flips positives to negatives and turns negatives into a mild
//     positive ("not bad");
//   - intensifiers ("very", "非常", "太") scale an entry, diminishers ("a bit",
//     "有点") shrink it;
//   - after a contrast word ("but", "但是") the text counts more than before;
//   - "!!!"/"???" and shouting (raw_upper_ratio, measured by the caller on
//     the raw text because `text` is already lower-case) raise frustration;
//   - valence sum S maps to score = S / sqrt(S^2 + 4), frustration sum F maps
//     to 1 - exp(-F), so both saturate smoothly instead of being cut off.
#include "parley/sentiment.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parley/sort.hpp"
#include "parley/utf8.hpp"

namespace parley {
namespace {

// Entry flags.
constexpr unsigned no_negate = 1;  // politeness and profanity keep their sense: "no thank you"

// Weights are kept in hundredths and contexts as plain pointers: 24 bytes an
// entry instead of 48 (two doubles and two string_views, mostly zeros), which
// was ~16 KB of the wasm core's data. The constructor runs at compile time and
// refuses a weight that n / 100.0 would not give back exactly, so the doubles
// read at run time are the ones written here.
struct lex_entry {
    constexpr lex_entry(std::string_view t, double v, double f, unsigned fl = 0,
                        const char* before = nullptr, const char* after = nullptr)
        : text(t),
          valence100(hundredths(v)),
          frustration100(hundredths(f)),
          flags(static_cast<std::uint8_t>(fl)),
          not_before_(before),
          not_after_(after) {}
    std::string_view text;        // EN: words separated by one space; ZH: exact substring
    std::int16_t valence100;      // < 0 unhappy, > 0 happy
    std::int16_t frustration100;  // contribution to the frustration sum before modifiers
    std::uint8_t flags;
    double valence() const { return valence100 / 100.0; }
    double frustration() const { return frustration100 / 100.0; }
    // ZH only: '|'-separated left / right contexts that cancel a match.
    std::string_view not_before() const { return not_before_ ? not_before_ : ""; }
    std::string_view not_after() const { return not_after_ ? not_after_ : ""; }

  private:
    static constexpr std::int16_t hundredths(double v) {
        const auto n = static_cast<std::int16_t>(v * 100 + (v < 0 ? -0.5 : 0.5));
        if (n / 100.0 != v) throw "a lexicon weight needs more than two decimals";
        return n;
    }
    const char* not_before_;
    const char* not_after_;
};

// English words and phrases. Weights were chosen by hand for customer-service
// chat; the word list was checked against GoEmotions train (anger, annoyance,
// disgust, disapproval vs the rest) so that the common, reliable cues are in.
// Words that are neutral in a support request ("problem", "issue", "refund",
// "help", "sorry") are left out on purpose: asking for help is not anger.
constexpr lex_entry en_lexicon[] = {
    // Anger and hostility.
    {"angry", -2.0, 0.7},
    {"angrier", -2.0, 0.7},
    {"furious", -2.5, 0.85},
    {"livid", -2.5, 0.85},
    {"fuming", -2.2, 0.8},
    {"outraged", -2.3, 0.8},
    {"rage", -2.0, 0.6},
    {"pissed", -2.2, 0.75},
    {"pissed off", -2.4, 0.8},
    {"mad", -1.5, 0.45},
    {"annoyed", -1.6, 0.5},
    {"annoying", -1.6, 0.45},
    {"irritated", -1.6, 0.5},
    {"irritating", -1.6, 0.45},
    {"frustrated", -1.8, 0.6},
    {"frustrating", -1.8, 0.55},
    {"frustration", -1.6, 0.5},
    {"upset", -1.6, 0.45},
    {"infuriating", -2.2, 0.7},
    {"infuriated", -2.3, 0.75},
    {"infuriates", -2.2, 0.7},
    {"infuriate", -2.2, 0.7},
    {"pisses", -2.2, 0.75, no_negate},
    {"pissing", -2.0, 0.65, no_negate},
    {"piss off", -2.4, 0.8, no_negate},
    {"fed up", -2.0, 0.7},
    {"sick of", -2.0, 0.6},
    {"sick and tired", -2.3, 0.75},
    {"tired of", -1.5, 0.5},
    {"had enough", -1.8, 0.6},
    {"enough is enough", -2.0, 0.7},
    {"hate", -2.2, 0.5},
    {"hated", -2.0, 0.45},
    {"hates", -2.0, 0.45},
    {"dislike", -1.5, 0.3},
    {"disgusting", -2.3, 0.6},
    {"disgusted", -2.3, 0.6},
    {"disgrace", -2.2, 0.6},
    {"disgraceful", -2.3, 0.6},
    {"shameful", -2.0, 0.55},
    {"shame on you", -2.2, 0.7, no_negate},
    {"ridiculous", -1.8, 0.6},
    {"absurd", -1.6, 0.5},
    {"insane", -1.2, 0.45},
    {"unbelievable", -1.0, 0.4},
    {"outrageous", -2.0, 0.6},
    {"unacceptable", -2.0, 0.65},
    {"inexcusable", -2.2, 0.65},
    {"pathetic", -2.0, 0.6},
    {"incompetent", -2.2, 0.6},
    {"incompetence", -2.2, 0.6},
    {"useless", -2.0, 0.55},
    {"worthless", -2.0, 0.5},
    {"hopeless", -1.8, 0.45},
    {"rude", -2.0, 0.5},
    {"disrespectful", -2.0, 0.55},
    {"nasty", -2.0, 0.5},
    {"offensive", -1.8, 0.5},
    {"insulting", -1.8, 0.55},
    {"insult", -1.6, 0.5},
    {"inappropriate", -1.2, 0.3},
    {"ignorant", -1.8, 0.5},
    {"hypocrite", -2.0, 0.6},
    {"hypocrites", -2.0, 0.6},
    {"hypocritical", -2.0, 0.55},
    {"selfish", -1.5, 0.4},
    {"coward", -1.8, 0.5},
    {"loser", -1.8, 0.55},
    {"losers", -1.8, 0.55},
    {"scum", -2.5, 0.7},
    {"toxic", -1.6, 0.45},
    {"sickening", -2.0, 0.55},
    {"disturbing", -1.5, 0.35},
    {"shameless", -2.0, 0.55},
    {"uncomfortable", -1.0, 0.15},
    {"nonsense", -1.5, 0.45},
    {"what a joke", -1.5, 0.5, no_negate},
    {"this is a joke", -1.5, 0.5, no_negate},
    {"is this a joke", -1.5, 0.5, no_negate},
    {"such a joke", -1.5, 0.5, no_negate},
    {"complete joke", -1.8, 0.55, no_negate},
    {"absolute joke", -1.8, 0.55, no_negate},
    {"nightmare", -2.0, 0.5},
    {"hassle", -1.2, 0.35},
    {"headache", -1.0, 0.3},
    {"mess", -1.2, 0.3},
    {"messed up", -1.5, 0.4},
    {"screwed", -1.8, 0.5},
    {"screw", -1.5, 0.45},
    {"screw you", -2.5, 0.8, no_negate},
    {"shut up", -2.0, 0.7, no_negate},
    {"stupid", -2.0, 0.55},
    {"stupidity", -2.0, 0.55},
    {"dumb", -1.6, 0.45},
    {"idiot", -2.2, 0.65},
    {"idiots", -2.2, 0.65},
    {"idiotic", -2.2, 0.6},
    {"moron", -2.3, 0.65},
    {"morons", -2.3, 0.65},
    {"clown", -1.5, 0.45},
    {"clowns", -1.5, 0.45},
    {"jerk", -1.8, 0.5},
    {"liar", -2.0, 0.55},
    {"liars", -2.0, 0.55},
    {"lying", -1.8, 0.5},
    {"lied", -1.8, 0.5},
    {"lies", -1.6, 0.45},
    // Fraud and threats to escalate.
    {"scam", -2.5, 0.7},
    {"scams", -2.5, 0.7},
    {"scammer", -2.5, 0.75},
    {"scammers", -2.5, 0.75},
    {"scammed", -2.5, 0.75},
    {"fraud", -2.3, 0.65},
    {"fraudulent", -2.3, 0.65},
    {"rip off", -2.0, 0.55},
    {"ripoff", -2.0, 0.55},
    {"ripped off", -2.2, 0.6},
    {"cheated", -2.0, 0.55},
    {"cheat", -1.8, 0.5},
    {"cheating", -1.8, 0.5},
    {"thieves", -2.3, 0.65},
    {"thief", -2.3, 0.65},
    {"stealing", -2.0, 0.55},
    {"misleading", -1.6, 0.4},
    {"false advertising", -1.8, 0.45},
    {"fake", -1.5, 0.35},
    {"complaint", -1.0, 0.35},
    {"complain", -1.0, 0.3},
    {"complaining", -1.0, 0.3},
    {"lawyer", -1.5, 0.5},
    {"sue", -1.5, 0.5},
    {"legal action", -1.8, 0.6},
    {"chargeback", -1.5, 0.55},
    {"dispute", -1.0, 0.35},
    {"report you", -1.5, 0.55},
    {"12315", -1.5, 0.5},  // China's consumer-complaint hotline
    {"speak to a manager", -0.5, 0.35, no_negate},
    {"talk to a manager", -0.5, 0.35, no_negate},
    {"your manager", -0.5, 0.3, no_negate},
    {"your supervisor", -0.5, 0.3, no_negate},
    {"refund now", -1.5, 0.6, no_negate},
    {"money back now", -1.5, 0.6, no_negate},
    {"give me my money back", -1.5, 0.55, no_negate},
    {"i want my money back", -1.3, 0.5, no_negate},
    {"never again", -1.8, 0.45, no_negate},
    {"never buying", -1.5, 0.4, no_negate},
    {"never buy", -1.5, 0.4, no_negate},
    {"never order", -1.5, 0.4, no_negate},
    {"never ordering", -1.5, 0.4, no_negate},
    {"never shop", -1.5, 0.4, no_negate},
    {"waste of time", -2.0, 0.6, no_negate},
    {"waste of money", -2.0, 0.55, no_negate},
    {"waste", -1.5, 0.4},
    {"wasted", -1.5, 0.4},
    {"wasting", -1.5, 0.45},
    // Impatience: waiting, repeating oneself, being ignored.
    {"still haven't", -1.2, 0.45, no_negate},
    {"still hasn't", -1.2, 0.45, no_negate},
    {"still not", -1.0, 0.4, no_negate},
    {"still no", -1.0, 0.4, no_negate},
    {"still don't", -1.0, 0.4, no_negate},
    {"still doesn't", -1.0, 0.4, no_negate},
    {"still didn't", -1.0, 0.4, no_negate},
    {"still waiting", -1.2, 0.45, no_negate},
    {"still nothing", -1.2, 0.45, no_negate},
    {"been waiting", -1.2, 0.45, no_negate},
    {"keep waiting", -1.0, 0.4, no_negate},
    {"waited", -0.6, 0.25},
    {"for weeks", -0.6, 0.25, no_negate},
    {"for ages", -0.8, 0.3, no_negate},
    {"for days", -0.4, 0.15, no_negate},
    {"forever", -0.8, 0.3},
    {"how many times", -1.2, 0.5, no_negate},
    {"how much longer", -1.2, 0.5, no_negate},
    {"what's going on", -0.5, 0.3, no_negate},
    {"what is going on", -0.5, 0.3, no_negate},
    {"how long do i have to", -1.2, 0.5, no_negate},
    {"over and over", -1.0, 0.4, no_negate},
    {"again and again", -1.0, 0.4, no_negate},
    {"third time", -1.0, 0.4, no_negate},
    {"multiple times", -0.6, 0.3, no_negate},
    {"several times", -0.5, 0.25, no_negate},
    {"no response", -1.2, 0.45, no_negate},
    {"no reply", -1.2, 0.45, no_negate},
    {"no answer", -1.0, 0.4, no_negate},
    {"nobody answers", -1.2, 0.45, no_negate},
    {"ignoring me", -1.5, 0.5, no_negate},
    {"ignored", -1.4, 0.45},
    {"not working", -1.2, 0.35, no_negate},
    {"isn't working", -1.2, 0.35, no_negate},
    {"doesn't work", -1.2, 0.35, no_negate},
    {"does not work", -1.2, 0.35, no_negate},
    {"didn't work", -1.2, 0.35, no_negate},
    {"won't work", -1.2, 0.35, no_negate},
    {"stopped working", -1.2, 0.3, no_negate},
    {"never arrived", -1.5, 0.4, no_negate},
    {"never received", -1.5, 0.4, no_negate},
    {"never got", -1.2, 0.35, no_negate},
    {"haven't received", -1.0, 0.3, no_negate},
    {"hasn't arrived", -1.0, 0.3, no_negate},
    {"didn't receive", -1.0, 0.3, no_negate},
    {"did not receive", -1.0, 0.3, no_negate},
    {"not received", -1.0, 0.3, no_negate},
    {"not arrived", -1.0, 0.3, no_negate},
    {"wrong item", -1.0, 0.25, no_negate},
    {"broken", -1.2, 0.2},
    {"damaged", -1.0, 0.15},
    {"defective", -1.2, 0.2},
    {"faulty", -1.2, 0.2},
    {"slow", -1.0, 0.2},
    {"delayed", -0.6, 0.15},
    {"late", -0.6, 0.15},
    // Plain negative judgement.
    {"terrible", -2.2, 0.45},
    {"horrible", -2.2, 0.45},
    {"awful", -2.1, 0.45},
    {"dreadful", -2.1, 0.45},
    {"appalling", -2.3, 0.55},
    {"atrocious", -2.4, 0.55},
    {"worst", -2.5, 0.55},
    {"worse", -1.5, 0.3},
    {"bad", -1.5, 0.2},
    {"badly", -1.3, 0.2},
    {"poor", -1.2, 0.2},
    {"poorly", -1.2, 0.2},
    {"crap", -1.8, 0.5},
    {"crappy", -1.8, 0.5},
    {"garbage", -2.0, 0.5},
    {"trash", -1.8, 0.45},
    {"rubbish", -1.8, 0.45},
    {"junk", -1.6, 0.35},
    {"sucks", -2.0, 0.55},
    {"suck", -1.6, 0.45},
    {"sucked", -1.6, 0.4},
    {"fail", -1.2, 0.25},
    {"failed", -1.2, 0.25},
    {"failure", -1.2, 0.25},
    {"disappointed", -1.8, 0.4},
    {"disappointing", -1.8, 0.35},
    {"disappointment", -1.8, 0.4},
    {"unhappy", -1.8, 0.4},
    {"dissatisfied", -1.8, 0.45},
    {"unsatisfied", -1.8, 0.45},
    {"regret", -1.5, 0.35},
    {"sad", -1.5, 0.1},
    {"unfortunately", -0.6, 0.05},
    {"confusing", -0.8, 0.15},
    {"wrong", -0.8, 0.15},
    {"disagree", -1.0, 0.2},
    {"gross", -1.6, 0.35},
    {"creepy", -1.5, 0.3},
    {"ugly", -1.5, 0.25},
    {"boring", -1.2, 0.15},
    {"impossible", -1.0, 0.3},
    {"seriously", -0.3, 0.2, no_negate},
    {"come on", -0.5, 0.3, no_negate},
    {"are you kidding", -1.5, 0.55, no_negate},
    {"kidding me", -1.5, 0.55, no_negate},
    {"give me a break", -1.2, 0.5, no_negate},
    {"yeah right", -1.0, 0.4, no_negate},
    {"thanks for nothing", -2.0, 0.6, no_negate},
    {"ugh", -1.0, 0.4, no_negate},
    {"argh", -1.0, 0.45, no_negate},
    {"smh", -1.0, 0.4, no_negate},
    // Profanity: strong frustration signal in a shop chat, never negated.
    {"wtf", -2.0, 0.7, no_negate},
    {"ffs", -2.0, 0.7, no_negate},
    {"fuck", -2.5, 0.8, no_negate},
    {"fucks", -2.5, 0.8, no_negate},
    {"fucking", -2.0, 0.7, no_negate},
    {"fuckin", -2.0, 0.7, no_negate},
    {"fucked", -2.3, 0.75, no_negate},
    {"fck", -2.3, 0.75, no_negate},
    {"shit", -2.0, 0.6, no_negate},
    {"shitty", -2.0, 0.55, no_negate},
    {"bullshit", -2.3, 0.7, no_negate},
    {"bs", -1.5, 0.4, no_negate},
    {"damn", -0.8, 0.35, no_negate},
    {"dammit", -1.5, 0.55, no_negate},
    {"damnit", -1.5, 0.55, no_negate},
    {"goddamn", -1.8, 0.6, no_negate},
    {"goddamnit", -2.0, 0.65, no_negate},
    {"hell", -0.8, 0.3, no_negate},
    {"what the hell", -1.5, 0.6, no_negate},
    {"what the heck", -1.2, 0.45, no_negate},
    {"for god's sake", -1.5, 0.6, no_negate},
    {"for fuck's sake", -2.5, 0.8, no_negate},
    {"bloody", -1.0, 0.4, no_negate},
    {"freaking", -0.5, 0.3, no_negate},
    {"frickin", -0.5, 0.3, no_negate},
    {"piss", -1.8, 0.6, no_negate},
    {"asshole", -2.5, 0.8, no_negate},
    {"assholes", -2.5, 0.8, no_negate},
    {"bitch", -2.5, 0.75, no_negate},
    {"bastard", -2.5, 0.75, no_negate},
    {"bastards", -2.5, 0.75, no_negate},
    {"dumbass", -2.3, 0.7, no_negate},
    {"cunt", -3.0, 0.85, no_negate},
    {"dick", -2.0, 0.6, no_negate},
    {"tmd", -2.2, 0.75, no_negate},  // pinyin abbreviation of 他妈的
    // Set phrases that contain a lexicon word but mean nothing sad or angry;
    // they match (longest first) and hide the word, without a cue.
    {"my bad", 0.0, 0.0, no_negate},
    {"not bad at all", 1.0, 0.0, no_negate},
    {"hell of a", 0.0, 0.0, no_negate},
    {"hell yeah", 1.0, 0.0, no_negate},
    {"no fail", 0.0, 0.0, no_negate},
    {"bad weather", 0.0, 0.0, no_negate},
    // Positive.
    {"thanks", 2.0, 0.0, no_negate},
    {"thank", 2.0, 0.0, no_negate},
    {"thx", 1.8, 0.0, no_negate},
    {"thanx", 1.8, 0.0, no_negate},
    {"cheers", 1.2, 0.0, no_negate},
    {"no thanks", 0.3, 0.0, no_negate},
    {"no thank you", 0.3, 0.0, no_negate},
    {"appreciate", 2.0, 0.0},
    {"appreciated", 2.0, 0.0},
    {"grateful", 2.0, 0.0},
    {"great", 2.0, 0.0},
    {"good", 1.5, 0.0},
    {"nice", 1.5, 0.0},
    {"fine", 0.6, 0.0},
    {"love", 2.2, 0.0},
    {"loved", 2.2, 0.0},
    {"lovely", 2.0, 0.0},
    {"perfect", 2.2, 0.0},
    {"perfectly", 1.8, 0.0},
    {"helpful", 2.0, 0.0},
    {"useful", 1.5, 0.0},
    {"awesome", 2.3, 0.0},
    {"excellent", 2.4, 0.0},
    {"amazing", 2.3, 0.0},
    {"wonderful", 2.3, 0.0},
    {"fantastic", 2.3, 0.0},
    {"brilliant", 2.2, 0.0},
    {"superb", 2.3, 0.0},
    {"outstanding", 2.3, 0.0},
    {"beautiful", 2.0, 0.0},
    {"happy", 2.0, 0.0},
    {"glad", 1.8, 0.0},
    {"pleased", 1.8, 0.0},
    {"satisfied", 1.8, 0.0},
    {"delighted", 2.2, 0.0},
    {"impressed", 2.0, 0.0},
    {"enjoy", 1.6, 0.0},
    {"enjoyed", 1.8, 0.0},
    {"excited", 1.8, 0.0},
    {"yay", 1.8, 0.0, no_negate},
    {"cool", 1.2, 0.0},
    {"best", 1.5, 0.0},
    {"recommend", 1.3, 0.0},
    {"friendly", 1.5, 0.0},
    {"polite", 1.5, 0.0},
    {"patient", 1.2, 0.0},
    {"quick", 1.0, 0.0},
    {"fast", 1.0, 0.0},
    {"easy", 1.2, 0.0},
    {"smooth", 1.2, 0.0},
    {"solved", 1.5, 0.0},
    {"resolved", 1.5, 0.0},
    {"well done", 2.0, 0.0},
    {"good job", 2.0, 0.0},
    {"all good", 1.5, 0.0, no_negate},
    {"no problem", 1.0, 0.0, no_negate},
    {"no problems", 1.0, 0.0, no_negate},
    {"no worries", 1.0, 0.0, no_negate},
    {"couldn't be happier", 2.8, 0.0, no_negate},
    {"could not be happier", 2.8, 0.0, no_negate},
    {"congrats", 1.8, 0.0, no_negate},
    {"congratulations", 1.8, 0.0, no_negate},
};

// Chinese entries, emoji and ASCII emoticons, matched as substrings. Word list
// checked against online_shopping_10_cats train (negative vs positive
// reviews); single-character entries carry contexts that cancel common
// non-sentiment words (差不多, 出差, 垃圾袋, 麻烦你, 棒球, 滚筒...).
constexpr lex_entry zh_lexicon[] = {
    // Anger, insults, profanity.
    {"气死", -2.2, 0.8, no_negate},
    {"生气", -1.8, 0.6},
    {"愤怒", -2.2, 0.7},
    {"火大", -2.0, 0.65},
    {"恼火", -2.0, 0.6},
    {"烦死", -2.0, 0.65, no_negate},
    {"烦", -1.2, 0.4, 0, "麻|耐|不胜|厌其", "请|劳"},
    {"郁闷", -1.5, 0.45},
    {"崩溃", -1.8, 0.55},
    {"受不了", -1.8, 0.6, no_negate},
    {"忍无可忍", -2.5, 0.8, no_negate},
    {"岂有此理", -2.2, 0.7, no_negate},
    {"过分", -1.8, 0.55},
    {"离谱", -1.8, 0.55},
    {"不像话", -1.8, 0.55, no_negate},
    {"无语", -1.8, 0.55},
    {"醉了", -1.2, 0.4},
    {"呵呵", 0.0, 0.15, no_negate},  // a laugh in reviews, often passive-aggressive in chat
    {"搞什么", -1.5, 0.55, no_negate},
    {"什么鬼", -1.5, 0.55, no_negate},
    {"什么玩意", -1.8, 0.6, no_negate},
    {"什么破", -2.0, 0.6, no_negate},
    {"破玩意", -2.0, 0.6, no_negate},
    {"破东西", -2.0, 0.6, no_negate},
    {"有病", -2.0, 0.65},
    {"神经病", -2.2, 0.7, no_negate},
    {"脑残", -2.3, 0.7, no_negate},
    {"白痴", -2.3, 0.7, no_negate},
    {"弱智", -2.3, 0.7, no_negate},
    {"傻逼", -3.0, 0.85, no_negate},
    {"傻b", -3.0, 0.85, no_negate},
    {"傻比", -3.0, 0.85, no_negate},
    {"放屁", -2.0, 0.6, no_negate},
    {"煞笔", -3.0, 0.85, no_negate},
    {"妈的", -2.2, 0.75, no_negate, "妈|爸|的"},
    {"他妈", -2.2, 0.75, no_negate, "", "妈"},
    {"尼玛", -2.0, 0.7, no_negate},
    {"卧槽", -1.5, 0.6, no_negate},
    {"我靠", -1.2, 0.5, no_negate},
    {"我操", -2.2, 0.75, no_negate},
    {"去死", -2.5, 0.8, no_negate},
    {"混蛋", -2.5, 0.75, no_negate},
    {"王八蛋", -2.5, 0.8, no_negate},
    {"滚", -2.0, 0.7, no_negate, "翻|打", "筒|动|轮|烫|珠|滚|边"},
    // Fraud, cheating, escalation.
    {"骗子", -2.5, 0.7},
    {"骗人", -2.2, 0.6},
    {"被骗", -2.2, 0.6},
    {"诈骗", -2.5, 0.7},
    {"欺骗", -2.2, 0.6},
    {"骗", -2.0, 0.55},
    {"上当", -2.0, 0.5},
    {"忽悠", -1.8, 0.5},
    {"坑爹", -2.0, 0.6},
    {"坑人", -2.0, 0.6},
    {"被坑", -2.0, 0.55},
    {"坑", -1.6, 0.45, 0, "", "位"},
    {"黑心", -2.2, 0.6},
    {"无良", -2.2, 0.6},
    {"奸商", -2.5, 0.7},
    {"假货", -2.0, 0.5},
    {"是假的", -1.5, 0.4},
    {"山寨", -1.5, 0.4},
    {"以次充好", -2.0, 0.5},
    {"投诉", -1.5, 0.55},
    {"举报", -1.5, 0.5},
    {"曝光", -1.2, 0.45},
    {"消协", -1.3, 0.5},
    {"退钱", -1.5, 0.5},
    {"还钱", -1.5, 0.5},
    {"赔钱", -1.3, 0.45},
    {"赔偿", -1.0, 0.35},
    {"别买", -2.0, 0.5, no_negate},
    {"千万别", -2.0, 0.55, no_negate},
    {"不要买", -2.0, 0.5, no_negate},
    {"再也不", -1.8, 0.5, no_negate},
    {"不会再买", -1.8, 0.5, no_negate},
    {"不会再来", -1.8, 0.5, no_negate},
    {"后悔", -1.6, 0.4},
    {"浪费", -1.6, 0.45},
    {"倒霉", -1.5, 0.4},
    // Impatience, being ignored, service failures.
    {"怎么还没", -1.2, 0.5, no_negate},
    {"怎么还不", -1.2, 0.5, no_negate},
    {"为什么还没", -1.2, 0.5, no_negate},
    {"为什么还不", -1.2, 0.5, no_negate},
    {"还没到", -0.8, 0.3, no_negate},
    {"还没收到", -1.0, 0.35, no_negate},
    {"还没发货", -1.0, 0.35, no_negate},
    {"没收到", -1.0, 0.3, no_negate},
    {"没有收到", -1.0, 0.3, no_negate},
    {"没发货", -1.0, 0.3, no_negate},
    {"一直没", -0.8, 0.3, no_negate},
    {"等了很久", -1.2, 0.5, no_negate},
    {"等了好久", -1.2, 0.5, no_negate},
    {"等了半天", -1.2, 0.5, no_negate},
    {"等了这么久", -1.3, 0.5, no_negate},
    {"等这么久", -1.3, 0.5, no_negate},
    {"这么久", -0.8, 0.35, no_negate},
    {"多久了", -0.8, 0.35, no_negate},
    {"好几天了", -0.8, 0.3, no_negate},
    {"催了", -1.0, 0.4, no_negate},
    {"到底", -0.3, 0.2, no_negate},
    {"究竟", -0.3, 0.2, no_negate},
    {"说好的", -1.0, 0.3, no_negate},
    {"怎么回事", -1.0, 0.4, no_negate},
    {"根本不", -1.0, 0.35, no_negate},
    {"根本没", -1.0, 0.35, no_negate},
    {"明明", -0.6, 0.3, no_negate},
    {"居然", -0.5, 0.2, no_negate},
    {"竟然", -0.5, 0.2, no_negate},
    {"难道", -0.6, 0.3, no_negate},
    {"没人理", -1.5, 0.5, no_negate},
    {"没人管", -1.5, 0.5, no_negate},
    {"没人回", -1.5, 0.5, no_negate},
    {"不理人", -1.6, 0.5, no_negate},
    {"不回复", -1.3, 0.45, no_negate},
    {"不回", -1.0, 0.35, no_negate, "", "来|去|家|国"},
    {"不处理", -1.3, 0.45, no_negate},
    {"不解决", -1.3, 0.45, no_negate},
    {"没解决", -1.3, 0.45, no_negate},
    {"没有解决", -1.3, 0.45, no_negate},
    {"不负责", -1.8, 0.5, no_negate},
    {"敷衍", -1.6, 0.5},
    {"推卸", -1.5, 0.45},
    {"踢皮球", -1.8, 0.55},
    {"太麻烦", -1.2, 0.35, no_negate},
    {"态度恶劣", -2.2, 0.6},
    {"恶劣", -2.0, 0.55},
    // Plain negative judgement (products and service).
    {"差评", -2.2, 0.5, no_negate},
    {"一星", -1.5, 0.3, no_negate},
    {"一颗星", -1.5, 0.3, no_negate},
    {"差劲", -2.0, 0.5},
    {"差", -1.5, 0.25, 0, "出|相|偏|误|时|温|落|参|公", "不多|点|价|距|额|异|别|旅|遣|一点"},
    {"垃圾", -2.2, 0.6, 0, "", "袋|桶|箱|篓|分类|站|车|处理"},
    {"烂", -1.8, 0.45, 0, "灿|破|翻|熟|稀巴", ""},
    {"破烂", -2.0, 0.5},
    {"糟糕", -1.8, 0.45},
    {"糟透", -2.2, 0.6},
    {"恶心", -2.0, 0.55},
    {"失望", -1.8, 0.45},
    {"不满意", -2.0, 0.35, no_negate},
    {"不满", -1.8, 0.45, no_negate},
    {"不好", -1.5, 0.2, no_negate, "好", "意思|说|办"},
    {"不行", -1.2, 0.25, no_negate, "", "的话"},
    {"不好用", -1.6, 0.3, no_negate},
    {"不能用", -1.3, 0.35, no_negate},
    {"用不了", -1.3, 0.35, no_negate},
    {"没法用", -1.3, 0.35, no_negate},
    {"没用", -1.5, 0.4, no_negate, "还|都|从", "过"},
    {"不值", -1.3, 0.2, no_negate, "", "得"},
    {"不怎么样", -1.5, 0.3, no_negate},
    {"不咋", -1.2, 0.2, no_negate},
    {"一般般", -0.8, 0.1, no_negate},
    {"不符", -1.3, 0.3, no_negate},
    {"不是正品", -1.8, 0.45, no_negate},
    {"还不如", -1.3, 0.3, no_negate},
    {"不爽", -1.6, 0.5, no_negate},
    {"不买了", -1.5, 0.4, no_negate},
    {"抵制", -1.8, 0.5},
    {"失败", -1.2, 0.25},
    {"严重", -0.8, 0.2},
    {"就降价", -1.2, 0.35, no_negate},
    {"一般", -0.6, 0.05, 0, "", "情况|来说|而言|多|几|都|是|要|会|在|的话|人|般"},
    {"凑合", -0.6, 0.1},
    {"无奈", -1.2, 0.35},
    {"无聊", -1.2, 0.2},
    {"费劲", -1.0, 0.3},
    {"次品", -1.8, 0.45},
    {"假的", -1.5, 0.4, 0, "放|请|休|度", ""},
    {"粉转黑", -1.8, 0.5, no_negate},
    {"掉色", -1.0, 0.2},
    {"褪色", -1.0, 0.2},
    {"掉毛", -1.0, 0.2},
    {"难吃", -1.8, 0.35},
    {"难用", -1.8, 0.4},
    {"难看", -1.5, 0.3},
    {"难闻", -1.5, 0.3},
    {"臭", -1.5, 0.3, 0, "", "豆"},
    {"发霉", -1.5, 0.35},
    {"变质", -1.5, 0.35},
    {"过期", -1.2, 0.3},
    {"坏了", -1.2, 0.25},
    {"坏的", -1.2, 0.25},
    {"破损", -1.2, 0.2},
    {"发错", -1.2, 0.3},
    {"少发", -1.0, 0.3},
    {"漏发", -1.0, 0.3},
    {"死机", -1.3, 0.35},
    {"卡死", -1.4, 0.4},
    {"卡顿", -1.0, 0.3},
    {"慢", -1.0, 0.2, 0, "慢|缓|傲", "慢|用|走|点"},
    {"伤心", -1.5, 0.15},
    {"难过", -1.5, 0.15},
    // Positive.
    {"谢谢", 2.0, 0.0, no_negate},
    {"感谢", 2.0, 0.0, no_negate},
    {"多谢", 2.0, 0.0, no_negate},
    {"谢了", 1.5, 0.0, no_negate},
    {"辛苦了", 1.8, 0.0, no_negate},
    {"满意", 2.0, 0.0},
    {"很好", 2.0, 0.0},
    {"挺好", 1.8, 0.0},
    {"真好", 2.0, 0.0},
    {"太好", 2.2, 0.0},
    {"非常好", 2.3, 0.0},
    {"特别好", 2.3, 0.0},
    {"蛮好", 1.8, 0.0},
    {"超好", 2.2, 0.0},
    {"好极了", 2.5, 0.0},
    {"不错", 1.8, 0.0, 0, "", "过"},
    {"好评", 2.2, 0.0, no_negate},
    {"五星", 2.0, 0.0, no_negate},
    {"满分", 2.0, 0.0},
    {"棒棒哒", 2.3, 0.0, no_negate},
    {"棒", 2.2, 0.0, 0, "冰|球|木|铁|接|魔|棍|棒", "球|糖|棒糖|子"},
    {"点赞", 2.0, 0.0, no_negate},
    {"赞", 2.0, 0.0, 0, "", "助|同"},
    {"给力", 2.0, 0.0},
    {"喜欢", 1.8, 0.0},
    {"爱了", 2.0, 0.0, no_negate},
    {"好用", 1.8, 0.0},
    {"好吃", 1.8, 0.0},
    {"好看", 1.6, 0.0},
    {"推荐", 1.0, 0.0},
    {"值得", 1.3, 0.0},
    {"物超所值", 2.2, 0.0},
    {"物美价廉", 2.2, 0.0},
    {"性价比高", 2.0, 0.0},
    {"实惠", 1.6, 0.0},
    {"划算", 1.6, 0.0},
    {"靠谱", 1.8, 0.0},
    {"放心", 1.5, 0.0},
    {"新鲜", 1.2, 0.0},
    {"舒服", 1.6, 0.0},
    {"舒适", 1.5, 0.0},
    {"漂亮", 1.6, 0.0},
    {"精致", 1.5, 0.0},
    {"完美", 2.2, 0.0},
    {"开心", 2.0, 0.0},
    {"高兴", 2.0, 0.0},
    {"感动", 1.8, 0.0},
    {"贴心", 1.8, 0.0},
    {"周到", 1.6, 0.0},
    {"耐心", 1.5, 0.0},
    {"专业", 1.2, 0.0},
    {"及时", 1.2, 0.0},
    {"很快", 1.2, 0.0},
    {"速度快", 1.4, 0.0},
    {"方便", 1.0, 0.0},
    {"合适", 1.2, 0.0},
    {"适合", 1.0, 0.0},
    {"还行", 0.5, 0.0},
    {"流畅", 1.3, 0.0},
    {"解决了", 1.5, 0.0, no_negate},
    {"没问题", 1.0, 0.0, no_negate},
    // Emoji and emoticons (often typed on phones instead of words).
    {"\U0001F621", -2.0, 0.7, no_negate},   // pouting face
    {"\U0001F92C", -2.5, 0.85, no_negate},  // symbols on mouth
    {"\U0001F620", -2.0, 0.6, no_negate},   // angry face
    {"\U0001F624", -1.5, 0.5, no_negate},   // face with steam from nose
    {"\U0001F44E", -1.5, 0.35, no_negate},  // thumbs down
    {"\U0001F4A9", -1.5, 0.4, no_negate},   // pile of poo
    {"\U0001F644", -1.0, 0.35, no_negate},  // rolling eyes
    {"\U0001F612", -1.0, 0.3, no_negate},   // unamused
    {"\U0001F61E", -1.2, 0.2, no_negate},   // disappointed
    {"\U0001F622", -1.0, 0.15, no_negate},  // crying
    {"\U0001F62D", -1.0, 0.2, no_negate},   // loudly crying
    {"\U0001F44D", 1.5, 0.0, no_negate},    // thumbs up
    {"\U0001F60A", 1.5, 0.0, no_negate},    // smiling eyes
    {"\U0001F642", 1.0, 0.0, no_negate},    // slightly smiling
    {"\U0001F600", 1.5, 0.0, no_negate},    // grinning
    {"\U0001F604", 1.5, 0.0, no_negate},    // grinning, smiling eyes
    {"\U0001F601", 1.5, 0.0, no_negate},    // beaming
    {"\U0001F60D", 2.0, 0.0, no_negate},    // heart eyes
    {"\U0001F970", 2.0, 0.0, no_negate},    // hearts
    {"\u2764", 2.0, 0.0, no_negate},        // heart
    {"\U0001F64F", 1.2, 0.0, no_negate},    // folded hands (thanks/please)
    {"\U0001F44C", 1.2, 0.0, no_negate},    // ok hand
    {"\U0001F4AF", 1.5, 0.0, no_negate},    // hundred points
    {":)", 1.2, 0.0, no_negate},
    {":-)", 1.2, 0.0, no_negate},
    {":(", -1.2, 0.15, no_negate},
    {":-(", -1.2, 0.15, no_negate},
    {">:(", -2.0, 0.6, no_negate},
};

struct modifier {
    std::string_view text;
    double factor;
};

// Scale the next sentiment word. Profanity used as an adverb ("fucking
// useless") both counts as a cue and intensifies.
constexpr modifier en_intensifiers[] = {
    {"very", 1.4},       {"so", 1.4},         {"really", 1.4},       {"extremely", 1.6},
    {"totally", 1.4},    {"absolutely", 1.5}, {"completely", 1.4},   {"utterly", 1.6},
    {"incredibly", 1.5}, {"super", 1.4},      {"too", 1.3},          {"such", 1.3},
    {"truly", 1.3},      {"seriously", 1.4},  {"most", 1.3},         {"highly", 1.3},
    {"fucking", 1.5},    {"freaking", 1.4},   {"bloody", 1.4},       {"damn", 1.3},
    {"insanely", 1.5},   {"terribly", 1.4},   {"ridiculously", 1.5}, {"beyond", 1.4},
    {"quite", 1.15},     {"pretty", 1.15},    {"way", 1.3},
};
constexpr modifier en_diminishers[] = {
    {"slightly", 0.6}, {"somewhat", 0.6}, {"barely", 0.5},
    {"bit", 0.6},      {"little", 0.6},   {"kinda", 0.7},
};
// Two-word diminishers, first word then second.
constexpr modifier en_diminisher_pairs[] = {
    {"kind of", 0.7},
    {"sort of", 0.7},
    {"a bit", 0.6},
    {"a little", 0.6},
};

// Words that negate a sentiment word up to 3 words later. Tokens ending in
// "n't" are negators too (don't, haven't, isn't...).
constexpr std::string_view en_negators[] = {
    "not",     "no",  "never",   "none",   "nobody", "nothing",
    "neither", "nor", "without", "cannot", "hardly", "n't",
};

// Apostrophe-less contractions as typed on phones, mapped to the canonical
// form so that phrase entries and the "n't" rule match either way.
constexpr std::pair<std::string_view, std::string_view> en_contractions[] = {
    {"dont", "don't"},       {"doesnt", "doesn't"},     {"didnt", "didn't"},
    {"isnt", "isn't"},       {"arent", "aren't"},       {"wasnt", "wasn't"},
    {"werent", "weren't"},   {"cant", "can't"},         {"couldnt", "couldn't"},
    {"wouldnt", "wouldn't"}, {"shouldnt", "shouldn't"}, {"havent", "haven't"},
    {"hasnt", "hasn't"},     {"hadnt", "hadn't"},       {"aint", "ain't"},
    {"wont", "won't"},
};

constexpr modifier zh_intensifiers[] = {
    {"非常", 1.5}, {"特别", 1.5}, {"超级", 1.5}, {"极其", 1.6}, {"十分", 1.4}, {"相当", 1.3},
    {"实在", 1.4}, {"真的", 1.3}, {"真是", 1.3}, {"太", 1.5},   {"很", 1.3},   {"超", 1.4},
    {"真", 1.3},   {"巨", 1.5},   {"贼", 1.4},   {"最", 1.4},   {"好", 1.3},   {"挺", 1.15},
    {"蛮", 1.15},  {"极", 1.5},   {"这么", 1.3}, {"那么", 1.2}, {"如此", 1.3}, {"越来越", 1.3},
};
constexpr modifier zh_diminishers[] = {
    {"有点", 0.6}, {"有些", 0.6}, {"有一点", 0.6}, {"稍微", 0.6}, {"略", 0.6}, {"比较", 0.85},
};
// Longest first so that "没有" wins over nothing shorter mis-matching.
constexpr std::string_view zh_negators[] = {
    "一点也不", "一点都不", "没有", "不是", "毫不", "并不", "从不", "从没", "不够",
    "不怎么",   "不算",     "不大", "不会", "不",   "没",   "别",   "未",
};
// Contrast: what follows outweighs what precedes ("...不错，但是太慢了").
constexpr std::string_view zh_contrasts[] = {"但是", "可是", "不过", "然而", "但"};

constexpr double intensity_cap = 2.0;
constexpr std::size_t max_cues = 32;  // bounded output for pasted essays

bool ends_with_any(std::string_view s, std::string_view alternatives) {
    while (!alternatives.empty()) {
        const auto bar = alternatives.find('|');
        const auto alt = alternatives.substr(0, bar);
        if (!alt.empty() && s.ends_with(alt)) return true;
        if (bar == std::string_view::npos) break;
        alternatives.remove_prefix(bar + 1);
    }
    return false;
}

bool starts_with_any(std::string_view s, std::string_view alternatives) {
    while (!alternatives.empty()) {
        const auto bar = alternatives.find('|');
        const auto alt = alternatives.substr(0, bar);
        if (!alt.empty() && s.starts_with(alt)) return true;
        if (bar == std::string_view::npos) break;
        alternatives.remove_prefix(bar + 1);
    }
    return false;
}

template <std::size_t n>
double factor_of(const modifier (&table)[n], std::string_view word) {
    for (const auto& m : table)
        if (m.text == word) return m.factor;
    return 0.0;
}

// Longest modifier that `s` ends with; 0 when none.
template <std::size_t n>
const modifier* suffix_modifier(const modifier (&table)[n], std::string_view s) {
    const modifier* best = nullptr;
    for (const auto& m : table)
        if (s.ends_with(m.text) && (!best || m.text.size() > best->text.size())) best = &m;
    return best;
}

bool is_en_negator(std::string_view word) {
    if (word.ends_with("n't")) return true;
    for (auto n : en_negators)
        if (n == word) return true;
    return false;
}

bool is_word_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'' || (c >= 'A' && c <= 'Z');
}

// Punctuation that ends a clause, and with it the reach of a negation.
bool is_clause_break(char32_t cp) {
    // ASCII and the CJK / full-width forms, in case the text skipped normalization.
    constexpr char32_t breaks[] = {'.',    ',',    ';',    ':',    '!',    '?',    '(',
                                   ')',    '\n',   0x3002, 0x3001, 0xFF0C, 0xFF01, 0xFF1F,
                                   0xFF1B, 0xFF1A, 0xFF08, 0xFF09, 0x2026};
    return std::find(std::begin(breaks), std::end(breaks), cp) != std::end(breaks);
}

struct token {
    std::string text;  // canonical form (apostrophes unified, contractions restored)
    std::size_t begin;
    std::size_t end;
    int clause;
};

std::vector<token> tokenize_en(std::string_view text) {
    std::vector<token> out;
    int clause = 0;
    std::size_t i = 0;
    std::string word;
    std::size_t word_begin = 0;
    std::size_t word_end = 0;
    auto flush = [&] {
        // Quotes around a word are not part of it: 'great' -> great.
        std::size_t lead = 0;
        while (lead < word.size() && word[lead] == '\'') ++lead;
        while (word.size() > lead && word.back() == '\'') word.pop_back();
        if (word.size() > lead) {
            token t{word.substr(lead), word_begin + lead, word_end, clause};
            for (const auto& [bare, full] : en_contractions)
                if (t.text == bare) t.text = std::string(full);
            out.push_back(std::move(t));
        }
        word.clear();
    };
    while (i < text.size()) {
        const std::size_t start = i;
        const auto c = static_cast<unsigned char>(text[i]);
        if (is_word_byte(c)) {
            if (word.empty()) word_begin = start;
            word.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
            ++i;
            word_end = i;
            continue;
        }
        const char32_t cp = utf8::next(text, i);
        if (cp == 0x2019 && !word.empty()) {  // typographic apostrophe inside a word
            word.push_back('\'');
            word_end = i;
            continue;
        }
        if (!word.empty()) flush();
        if (is_clause_break(cp)) ++clause;
    }
    if (!word.empty()) flush();
    return out;
}

struct lexicon_index {
    // EN: first word -> entries starting with it, longest phrase first.
    std::unordered_map<std::string_view, std::vector<std::uint16_t>> en_by_first;
    std::vector<std::vector<std::string_view>> en_words;  // per entry
    // ZH: first code point -> entries, longest first.
    std::unordered_map<char32_t, std::vector<std::uint16_t>> zh_by_first;
};

// Entry ids by descending `length[id]`, ties in id order (as the stable sort
// they replace left them: the ids come in ascending order). A total order, so
// sort_with() gives that one result without a std::stable_sort instantiation
// (~3 kB of wasm code).
void longest_first(std::vector<std::uint16_t>& ids, const std::vector<std::size_t>& length) {
    sort_with(ids, [&](std::uint16_t a, std::uint16_t b) {
        return length[a] != length[b] ? length[a] > length[b] : a < b;
    });
}

const lexicon_index& lexicons() {
    // Built once on first use (thread-safe function-local static), so the
    // library has no dynamic initialization at load time.
    static const lexicon_index idx = [] {
        lexicon_index x;
        x.en_words.resize(std::size(en_lexicon));
        for (std::uint16_t k = 0; k < std::size(en_lexicon); ++k) {
            std::string_view s = en_lexicon[k].text;
            while (!s.empty()) {
                const auto sp = s.find(' ');
                x.en_words[k].push_back(s.substr(0, sp));
                if (sp == std::string_view::npos) break;
                s.remove_prefix(sp + 1);
            }
            x.en_by_first[x.en_words[k].front()].push_back(k);
        }
        std::vector<std::size_t> length(std::size(en_lexicon));
        for (std::size_t k = 0; k < length.size(); ++k) length[k] = x.en_words[k].size();
        for (auto& [first, ids] : x.en_by_first) longest_first(ids, length);
        for (std::uint16_t k = 0; k < std::size(zh_lexicon); ++k) {
            std::size_t i = 0;
            x.zh_by_first[utf8::next(zh_lexicon[k].text, i)].push_back(k);
        }
        length.assign(std::size(zh_lexicon), 0);
        for (std::size_t k = 0; k < length.size(); ++k) length[k] = zh_lexicon[k].text.size();
        for (auto& [first, ids] : x.zh_by_first) longest_first(ids, length);
        return x;
    }();
    return idx;
}

// One matched lexicon entry with its modifiers resolved.
struct hit {
    const lex_entry* entry;
    std::size_t cue_begin;  // includes the negator / intensifier, for a readable cue
    std::size_t end;
    double intensity;
    bool negated;
};

void match_en(std::string_view text, const lexicon_index& idx, std::vector<hit>& hits,
              std::vector<std::size_t>& contrasts) {
    const auto tokens = tokenize_en(text);
    std::vector<bool> consumed(tokens.size(), false);
    for (std::size_t i = 0; i < tokens.size();) {
        if (tokens[i].text == "but" || tokens[i].text == "however")
            contrasts.push_back(tokens[i].begin);
        const auto found = idx.en_by_first.find(tokens[i].text);
        std::size_t len = 0;
        const lex_entry* entry = nullptr;
        if (found != idx.en_by_first.end()) {
            for (auto k : found->second) {
                const auto& words = idx.en_words[k];
                if (i + words.size() > tokens.size()) continue;
                bool ok = true;
                for (std::size_t w = 1; w < words.size() && ok; ++w)
                    ok = tokens[i + w].text == words[w] && tokens[i + w].clause == tokens[i].clause;
                if (ok) {
                    entry = &en_lexicon[k];
                    len = words.size();
                    break;
                }
            }
        }
        if (!entry) {
            ++i;
            continue;
        }
        hit h{entry, tokens[i].begin, tokens[i + len - 1].end, 1.0, false};
        const int clause = tokens[i].clause;
        auto usable = [&](std::size_t j) { return tokens[j].clause == clause; };
        // Intensifiers / diminishers directly before (at most two stacked).
        std::size_t j = i;
        for (int stacked = 0; stacked < 2 && j > 0 && usable(j - 1); ++stacked) {
            const auto& prev = tokens[j - 1].text;
            double f = factor_of(en_intensifiers, prev);
            std::size_t width = 1;
            if (f == 0.0 && j >= 2 && usable(j - 2)) {
                const std::string pair = tokens[j - 2].text + ' ' + prev;
                f = factor_of(en_diminisher_pairs, pair);
                if (f != 0.0) width = 2;
            }
            if (f == 0.0) f = factor_of(en_diminishers, prev);
            if (f == 0.0) break;
            h.intensity *= f;
            j -= width;
            h.cue_begin = tokens[j].begin;
        }
        // Negation within 3 words before the entry, not across punctuation,
        // and not by a word that belongs to an earlier matched phrase.
        if (!(entry->flags & no_negate)) {
            for (std::size_t back = 1; back <= 3 && back <= i; ++back) {
                const std::size_t n = i - back;
                if (!usable(n) || consumed[n]) break;
                if (!is_en_negator(tokens[n].text)) continue;
                bool between_intensifier = false;
                for (std::size_t m = n + 1; m < i; ++m)
                    if (factor_of(en_intensifiers, tokens[m].text) > 1.0 ||
                        tokens[m].text == "this" || tokens[m].text == "that")
                        between_intensifier = true;
                if (tokens[n].text == "never" && between_intensifier) {
                    // "never been so angry" / "never been this happy" amplifies.
                    h.intensity *= 1.3;
                } else {
                    h.negated = true;
                    // "not very good" is a softer "bad", not a stronger one.
                    if (between_intensifier && h.intensity > 1.0) h.intensity = 0.8;
                }
                h.cue_begin = std::min(h.cue_begin, tokens[n].begin);
                break;
            }
        }
        for (std::size_t w = i; w < i + len; ++w) consumed[w] = true;
        hits.push_back(h);
        i += len;
    }
}

void match_zh(std::string_view text, const lexicon_index& idx, std::vector<hit>& hits,
              std::vector<std::size_t>& contrasts) {
    std::size_t last_end = 0;  // modifiers are not borrowed from an earlier match
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t start = i;
        const char32_t cp = utf8::next(text, i);
        for (auto c : zh_contrasts) {
            if (text.substr(start).starts_with(c) &&
                !text.substr(0, start).ends_with("不")) {  // 不但 = "not only"
                contrasts.push_back(start);
                break;
            }
        }
        const auto found = idx.zh_by_first.find(cp);
        if (found == idx.zh_by_first.end()) continue;
        const std::string_view before = text.substr(0, start);
        const std::string_view rest = text.substr(start);
        const lex_entry* entry = nullptr;
        for (auto k : found->second) {
            const auto& e = zh_lexicon[k];
            if (!rest.starts_with(e.text)) continue;
            if (ends_with_any(before, e.not_before())) continue;
            if (starts_with_any(rest.substr(e.text.size()), e.not_after())) continue;
            entry = &e;
            break;
        }
        if (!entry) continue;
        hit h{entry, start, start + entry->text.size(), 1.0, false};
        std::string_view ctx = text.substr(last_end, start - last_end);
        // Degree word right before the entry ("太垃圾", "有点失望").
        auto take_degree = [&] {
            const modifier* m = suffix_modifier(zh_intensifiers, ctx);
            const modifier* d = suffix_modifier(zh_diminishers, ctx);
            if (d && (!m || d->text.size() >= m->text.size())) m = d;
            if (!m) return false;
            h.intensity *= m->factor;
            ctx.remove_suffix(m->text.size());
            h.cue_begin -= m->text.size();
            return true;
        };
        const bool degree_inside = take_degree();
        if (!(entry->flags & no_negate)) {
            for (auto neg : zh_negators) {
                if (!ctx.ends_with(neg)) continue;
                h.negated = true;
                // "不太满意" is mildly unhappy: an intensifier inside a negation softens.
                if (degree_inside && h.intensity > 1.0) h.intensity = 0.8;
                ctx.remove_suffix(neg.size());
                h.cue_begin -= neg.size();
                take_degree();  // "非常不满意": a degree word before the negation scales it
                break;
            }
        }
        hits.push_back(h);
        i = start + entry->text.size();
        last_end = i;
    }
}

// Longest run of '!' / '?' (ASCII or full-width), e.g. "!!!" -> 3, "?!?" -> 3.
std::size_t longest_punct_run(std::string_view text, std::string& run_text) {
    std::size_t best = 0, run = 0;
    std::string current;
    for (std::size_t i = 0; i < text.size();) {
        const char32_t cp = utf8::next(text, i);
        const bool mark = cp == '!' || cp == '?' || cp == 0xFF01 || cp == 0xFF1F;
        if (mark) {
            ++run;
            current.push_back(cp == '!' || cp == 0xFF01 ? '!' : '?');
            if (run > best) {
                best = run;
                run_text = current;
            }
        } else {
            run = 0;
            current.clear();
        }
    }
    return best;
}

std::size_t count_ascii_letters(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }));
}

}  // namespace

sentiment_result analyze_sentiment(std::string_view text, double raw_upper_ratio) {
    sentiment_result result;
    if (text.empty()) return result;
    const auto& idx = lexicons();

    std::vector<hit> hits;
    std::vector<std::size_t> contrasts;
    match_en(text, idx, hits, contrasts);
    match_zh(text, idx, hits, contrasts);
    sort_with(hits, [](const hit& a, const hit& b) { return a.cue_begin < b.cue_begin; });
    const std::size_t pivot =
        contrasts.empty() ? 0 : *std::max_element(contrasts.begin(), contrasts.end());

    double valence = 0.0;
    double frustration = 0.0;
    for (const auto& h : hits) {
        if (h.entry->valence100 == 0 && h.entry->frustration100 == 0) continue;  // blocker phrase
        const double intensity = std::min(h.intensity, intensity_cap);
        double v = h.entry->valence() * intensity;
        double f = h.entry->frustration() * intensity;
        if (h.negated) {
            if (v > 0) {
                // "not helpful", "不满意": unhappy, and a little fed up.
                f = 0.15 * v;
                v = -0.75 * v;
            } else {
                // "not bad", "不差": mildly positive, no frustration.
                v = 0.4 * -v;
                f = 0.0;
            }
        }
        if (!contrasts.empty()) {
            // VADER's "but" rule: the clause after the contrast carries the verdict.
            const bool after = h.cue_begin > pivot;
            v *= after ? 1.5 : 0.5;
            f *= after ? 1.0 : 0.6;
        }
        valence += v;
        frustration += f;
        if (result.cues.size() < max_cues) {
            std::string cue(text.substr(h.cue_begin, h.end - h.cue_begin));
            if (std::find(result.cues.begin(), result.cues.end(), cue) == result.cues.end())
                result.cues.push_back(std::move(cue));
        }
    }

    // Repeated "!!!" / "???" amplify whatever was said, and on their own read
    // as mild impatience ("where is my order???"), unless the message is happy.
    std::string run_text;
    const std::size_t run = longest_punct_run(text, run_text);
    if (run >= 2) {
        const double emphasis = static_cast<double>(std::min<std::size_t>(run, 4) - 1);
        if (valence != 0.0) valence += (valence > 0 ? 0.25 : -0.25) * emphasis;
        if (valence <= 0.0) {
            frustration = frustration * (1.0 + 0.12 * emphasis) + 0.08 * emphasis;
            if (result.cues.size() < max_cues) result.cues.push_back(run_text);
        }
    }

    // Shouting. The ratio comes from the raw text; a few capitals ("OK", "DHL")
    // are not shouting, so short Latin text is ignored.
    double ratio = std::isfinite(raw_upper_ratio) ? std::clamp(raw_upper_ratio, 0.0, 1.0) : 0.0;
    if (count_ascii_letters(text) < 6) ratio = 0.0;
    const double shout = std::clamp((ratio - 0.3) / 0.5, 0.0, 1.0);
    if (shout > 0.0 && valence <= 0.0) {
        valence *= 1.0 + 0.3 * shout;
        frustration = frustration * (1.0 + 0.3 * shout) + 0.25 * shout;
        if (result.cues.size() < max_cues) result.cues.push_back("shouting");
    }

    result.score = std::clamp(valence / std::sqrt(valence * valence + 4.0), -1.0, 1.0);
    result.frustration = std::clamp(1.0 - std::exp(-frustration), 0.0, 1.0);
    if (!std::isfinite(result.score)) result.score = 0.0;
    if (!std::isfinite(result.frustration)) result.frustration = 0.0;
    return result;
}

double combine_frustration(double lexicon, double model_probability) {
    constexpr double model_floor = 0.5;
    constexpr double model_weight = 0.8;
    const double model =
        model_probability <= model_floor
            ? 0.0
            : model_weight * (model_probability - model_floor) / (1.0 - model_floor);
    return std::clamp(std::max(lexicon, model) + 0.25 * std::min(lexicon, model), 0.0, 1.0);
}

}  // namespace parley
