//! The readable reference page (`GET /api/docs`), made from the same table as the document.

use super::{Answer, Auth, Body, Field, Op, OPS};
use axum::http::header;
use axum::response::{IntoResponse, Response};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fields_html(title: &str, fields: &[Field]) -> String {
    if fields.is_empty() {
        return String::new();
    }
    let rows: String = fields
        .iter()
        .map(|(n, t, r, d)| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(n),
                t,
                if *r { "yes" } else { "" },
                esc(d)
            )
        })
        .collect();
    format!("<table><caption>{title}</caption><thead><tr><th>field</th><th>type</th><th>required</th><th>meaning</th></tr></thead><tbody>{rows}</tbody></table>")
}

/// `GET /api/docs`: the reference, readable, served by the portal (no script, no CDN).
pub async fn reference_page() -> Response {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Machine API reference</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}\
         h2{margin-top:2.5rem;border-bottom:1px solid #ccd}section{margin:1.5rem 0;padding:.5rem 1rem;border-left:4px solid #36c}\
         code{background:#f2f4f8;padding:0 .2em}table{border-collapse:collapse;margin:.5rem 0;width:100%}td,th{border:1px solid #dde;padding:.2rem .4rem;text-align:left;vertical-align:top}\
         caption{text-align:left;font-weight:600}.m{font-weight:700;text-transform:uppercase;margin-right:.5em}</style></head><body>\
         <h1>Machine API reference</h1><p>The document: <a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI 3.1). MOSIP's calls answer in its envelope; business errors come with HTTP 200 and <code>errors[0].errorCode</code>; <code>KER-ATH-401</code>/<code>KER-ATH-403</code> with 401/403.</p>",
    );
    let mut tag = "";
    for op in OPS {
        if op.tag != tag {
            tag = op.tag;
            html.push_str(&format!("<h2>{}</h2>", esc(tag)));
        }
        html.push_str(&section(op));
    }
    html.push_str("</body></html>");
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Static text and one inline style sheet; nothing runs.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        html,
    )
        .into_response()
}

/// One operation's section: its call, who may make it, its fields, answer and error codes.
fn section(op: &Op) -> String {
    let who = match op.auth {
        Auth::None => "anyone".to_string(),
        Auth::Token(roles) => format!(
            "JWT (Authorization cookie or Bearer) with {}",
            roles.join(" or ")
        ),
        Auth::ServiceToken => "a service token (Bearer pst_…)".to_string(),
    };
    let mut out = format!(
        "<section id=\"{}\"><p><span class=\"m\">{}</span><code>{}</code></p><p>{}</p><p>Who: {}</p>",
        esc(&format!("{}{}", op.method, op.path)),
        op.method,
        esc(op.path),
        esc(op.summary),
        esc(&who)
    );
    out.push_str(&fields_html("Query", op.query));
    match op.body {
        Body::Envelope(f) => {
            out.push_str(&fields_html("Request (inside the envelope's request)", f))
        }
        Body::Json(f) | Body::JsonArray(f) => out.push_str(&fields_html("Request body", f)),
        Body::Form(f) => out.push_str(&fields_html("Form", f)),
        Body::None => {}
    }
    match op.answer {
        Answer::Envelope(f) => out.push_str(&fields_html("Answer (the envelope's response)", f)),
        Answer::EnvelopeArray(f) => out.push_str(&fields_html(
            "Answer (each item of the envelope's response)",
            f,
        )),
        Answer::Json(f) | Answer::JsonArray(f) => out.push_str(&fields_html("Answer", f)),
        Answer::EnvelopeText => {
            out.push_str("<p>Answer: a message in the envelope's response.</p>")
        }
        Answer::EnvelopeTrue => {
            out.push_str("<p>Answer: <code>true</code> in the envelope's response.</p>")
        }
        Answer::Text(ct) => out.push_str(&format!("<p>Answer: <code>{ct}</code>.</p>")),
        Answer::Empty(s) => out.push_str(&format!("<p>Answer: {s}, no body.</p>")),
    }
    if !op.codes.is_empty() {
        out.push_str(&format!(
            "<p>Errors: {}</p>",
            op.codes
                .iter()
                .map(|c| format!("<code>{}</code>", esc(c)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.push_str("</section>");
    out
}
