//! Synthetic large plan sets for benchmarks: a real plan tiled many times
//! side by side, each copy a plan of its own with fresh gml:ids (suffix
//! `_s<k>`) and shifted coordinates, all in one XPlanAuszug.

use crate::gml::Bbox;
use crate::xplan::{parse_document, XplanError};
use std::fmt::Write;

/// Builds a document with `copies` copies of the plan(s) in `source`.
pub fn tile_plan(source: &str, copies: usize) -> Result<String, XplanError> {
    let doc = parse_document(source.to_string())?;
    let mut bbox = Bbox::empty();
    for f in &doc.features {
        for g in &f.geometries {
            if let Some(b) = g.geometry.geometry.bbox() {
                bbox.merge(&b);
            }
        }
    }
    if !bbox.is_valid() {
        return Err(XplanError::Structure(
            "the plan has no geometry to tile".into(),
        ));
    }
    let cols = (copies as f64).sqrt().ceil().max(1.0) as usize;
    let step_x = ((bbox.max_x - bbox.min_x) * 1.1).max(1.0);
    let step_y = ((bbox.max_y - bbox.min_y) * 1.1).max(1.0);
    // The root start tag as written (namespace declarations and all).
    let root_start = {
        let first_feature = doc
            .features
            .first()
            .map(|f| f.xml.start)
            .unwrap_or(doc.source.len());
        let head = &doc.source[..first_feature];
        let open = head
            .find(&format!(":{}", doc.root_element))
            .or_else(|| head.find(&format!("<{}", doc.root_element)));
        let lt = open.and_then(|o| head[..o + 1].rfind('<')).unwrap_or(0);
        let gt = head[lt..].find('>').map(|g| lt + g + 1).unwrap_or(lt);
        &head[lt..gt]
    };
    let root_close = {
        let tag = root_start[1..]
            .split(|c: char| c.is_whitespace() || c == '>')
            .next()
            .unwrap_or("");
        format!("</{tag}>")
    };
    let srs = doc.srs_name.clone().unwrap_or_else(|| "EPSG:25832".into());
    let total_w = step_x * cols as f64;
    let total_h = step_y * copies.div_ceil(cols) as f64;
    let mut out = String::with_capacity(source.len() * copies + 1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(root_start);
    let _ = write!(
        out,
        "\n  <gml:boundedBy><gml:Envelope srsName=\"{srs}\"><gml:lowerCorner>{} {}</gml:lowerCorner><gml:upperCorner>{} {}</gml:upperCorner></gml:Envelope></gml:boundedBy>\n",
        bbox.min_x,
        bbox.min_y,
        bbox.min_x + total_w,
        bbox.min_y + total_h
    );
    for k in 0..copies {
        let dx = step_x * (k % cols) as f64;
        let dy = step_y * (k / cols) as f64;
        let suffix = format!("_s{k}");
        for f in &doc.features {
            let frag = &doc.source[f.xml.clone()];
            let mut frag = rewrite_ids(frag, &suffix);
            if f.is_plan() {
                frag = rename_plan(&frag, k);
            }
            out.push_str("  <gml:featureMember>");
            shift_coordinates(&frag, dx, dy, &mut out);
            out.push_str("</gml:featureMember>\n");
        }
    }
    out.push_str(&root_close);
    out.push('\n');
    Ok(out)
}

/// Appends `suffix` to every gml:id and local xlink:href.
fn rewrite_ids(s: &str, suffix: &str) -> String {
    let mut out = String::with_capacity(s.len() + 64);
    let mut rest = s;
    loop {
        let a = rest.find("gml:id=\"");
        let b = rest.find("xlink:href=\"#");
        let (pos, len) = match (a, b) {
            (Some(a), Some(b)) if a < b => (a, 8),
            (Some(a), None) => (a, 8),
            (_, Some(b)) => (b, 13),
            (None, None) => break,
        };
        let start = pos + len;
        let end = rest[start..]
            .find('"')
            .map(|e| start + e)
            .unwrap_or(rest.len());
        out.push_str(&rest[..end]);
        out.push_str(suffix);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn rename_plan(s: &str, k: usize) -> String {
    for open in ["<xplan:name>", "<name>"] {
        if let Some(p) = s.find(open) {
            if let Some(e) = s[p..].find("</") {
                let end = p + e;
                return format!("{} (synthetic {k}){}", &s[..end], &s[end..]);
            }
        }
    }
    s.to_string()
}

/// Copies `s` to `out`, shifting the numbers of gml:pos, gml:posList,
/// gml:lowerCorner and gml:upperCorner by (dx, dy).
fn shift_coordinates(s: &str, dx: f64, dy: f64, out: &mut String) {
    let mut rest = s;
    while let Some(p) = rest.find("<gml:") {
        let tag_end = match rest[p..].find('>') {
            Some(t) => p + t + 1,
            None => break,
        };
        let name = rest[p + 5..tag_end - 1]
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let is_coords = matches!(name, "pos" | "posList" | "lowerCorner" | "upperCorner")
            && !rest[..tag_end].ends_with("/>");
        out.push_str(&rest[..tag_end]);
        rest = &rest[tag_end..];
        if is_coords {
            let end = rest.find('<').unwrap_or(rest.len());
            for (i, tok) in rest[..end].split_ascii_whitespace().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                match tok.parse::<f64>() {
                    Ok(v) => {
                        let _ = write!(out, "{}", round3(v + if i % 2 == 0 { dx } else { dy }));
                    }
                    Err(_) => out.push_str(tok),
                }
            }
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_coordinates() {
        assert_eq!(
            rewrite_ids(
                r##"<a gml:id="A"><b xlink:href="#B"/><c xlink:href="http://x"/></a>"##,
                "_s1"
            ),
            r##"<a gml:id="A_s1"><b xlink:href="#B_s1"/><c xlink:href="http://x"/></a>"##
        );
        let mut out = String::new();
        shift_coordinates(
            "<gml:posList srsDimension=\"2\">1 2 3 4</gml:posList><gml:pos>5 6</gml:pos>",
            10.0,
            100.0,
            &mut out,
        );
        assert_eq!(
            out,
            "<gml:posList srsDimension=\"2\">11 102 13 104</gml:posList><gml:pos>15 106</gml:pos>"
        );
    }
}
