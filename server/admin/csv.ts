// FAQ import and export: CSV (RFC 4180: quoted fields, doubled quotes, CRLF
// or LF, a UTF-8 byte order mark tolerated) and JSON.
import { arr, hasCjk, isObj, str, strings, type Json } from "./util";

/** Parses CSV text into rows of fields. */
export function parseCsv(text: string): string[][] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      row.push(field);
      field = "";
      rows.push(row);
      row = [];
      if (c === "\r" && text[i + 1] === "\n") i++;
    } else field += c;
    i++;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ""));
}

function csvField(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(rows: string[][]): string {
  return rows.map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** The English and Chinese answers of an FAQ as the editor shows them. */
export function faqAnswers(f: Json, shopLocale: string): { en: string; zh: string } {
  const answers = isObj(f["answers"]) ? f["answers"] : {};
  const answer = str(f["answer"]);
  let en = str(answers["en"]);
  let zh = str(answers["zh"]);
  if (answer) {
    // The default answer counts for the language it is written in.
    const lang = hasCjk(answer) ? "zh" : shopLocale === "zh" && !answers["zh"] ? "zh" : "en";
    if (lang === "en" && !en) en = answer;
    if (lang === "zh" && !zh) zh = answer;
  }
  return { en, zh };
}

/**
 * An FAQ from the editor's fields, keeping whatever else `base` carries.
 * Both answers: `answer` (the shop's language) plus `answers {en, zh}`; one: just `answer`.
 */
export function buildFaq(
  base: Json,
  fields: { id: string; questions: string[]; en: string; zh: string; tags: string[] | null },
  shopLocale: string,
): Json {
  const f: Json = { ...base, id: fields.id, questions: fields.questions };
  const { en, zh } = fields;
  if (en && zh) {
    f["answer"] = shopLocale === "zh" ? zh : en;
    f["answers"] = { en, zh };
  } else {
    f["answer"] = en || zh;
    delete f["answers"];
  }
  if (fields.tags === null || fields.tags.length === 0) delete f["tags"];
  else f["tags"] = fields.tags;
  return f;
}

export const CSV_HEADER = ["id", "questions", "answer_en", "answer_zh"];

export function faqsToCsv(faqs: Json[], shopLocale: string): string {
  const rows = [CSV_HEADER];
  for (const f of faqs) {
    const { en, zh } = faqAnswers(f, shopLocale);
    rows.push([str(f["id"]), strings(f["questions"]).join(" | "), en, zh]);
  }
  return "\ufeff" + toCsv(rows);
}

export interface Imported {
  faqs: Json[];
  problems: string[];
}

/** FAQs from a CSV file with a header row (id, question(s), answer_en, answer_zh; `answer` also accepted). */
export function faqsFromCsv(text: string, shopLocale: string): Imported {
  const rows = parseCsv(text);
  const problems: string[] = [];
  if (rows.length === 0) return { faqs: [], problems: ["the file is empty"] };
  const header = rows[0]!.map((h) => h.trim().toLowerCase().replace(/[\s-]+/g, "_"));
  const col = (...names: string[]) => header.findIndex((h) => names.includes(h));
  const iId = col("id");
  const iQ = col("questions", "question", "question(s)");
  const iEn = col("answer_en", "en");
  const iZh = col("answer_zh", "zh");
  const iAns = col("answer");
  if (iQ < 0 || (iEn < 0 && iZh < 0 && iAns < 0)) {
    return { faqs: [], problems: [`the header row needs the columns ${CSV_HEADER.join(", ")}`] };
  }
  const faqs: Json[] = [];
  rows.slice(1).forEach((r, n) => {
    const line = n + 2;
    const at = (i: number) => (i >= 0 ? (r[i] ?? "").trim() : "");
    const questions = at(iQ)
      .split("|")
      .map((q) => q.trim())
      .filter((q) => q !== "");
    let en = at(iEn);
    let zh = at(iZh);
    const plain = at(iAns);
    if (plain && !en && !zh) {
      if (hasCjk(plain)) zh = plain;
      else en = plain;
    }
    const id = at(iId) || makeId(questions[0] ?? "");
    if (questions.length === 0) problems.push(`line ${line}: no question`);
    else if (!en && !zh) problems.push(`line ${line}: no answer`);
    else faqs.push(buildFaq({}, { id, questions, en, zh, tags: null }, shopLocale));
  });
  return { faqs, problems };
}

/** FAQs from JSON: an array of FAQs, or an object with a `faqs` array (a whole config). */
export function faqsFromJson(text: string): Imported {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { faqs: [], problems: [`not valid JSON (${(e as Error).message})`] };
  }
  const list = Array.isArray(parsed) ? parsed : isObj(parsed) ? arr(parsed["faqs"]) : [];
  const faqs: Json[] = [];
  const problems: string[] = [];
  if (!Array.isArray(parsed) && !(isObj(parsed) && Array.isArray(parsed["faqs"]))) {
    problems.push("expected an array of FAQs");
  }
  list.forEach((f, i) => {
    if (!isObj(f)) problems.push(`item ${i + 1}: not an object`);
    else if (strings(f["questions"]).length === 0) problems.push(`item ${i + 1}: no questions`);
    else {
      const copy: Json = { ...f };
      if (!str(copy["id"])) copy["id"] = makeId(strings(f["questions"])[0] ?? "");
      faqs.push(copy);
    }
  });
  return { faqs, problems };
}

/** An FAQ id from a question: "Do you sell gift cards?" → "do-you-sell-gift-cards". */
export function makeId(question: string): string {
  const slug = question
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/g, "");
  if (slug.length >= 3) return slug;
  const bytes = new Uint8Array(4);
  crypto.getRandomValues(bytes);
  return `faq-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
