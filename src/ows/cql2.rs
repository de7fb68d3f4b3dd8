//! CQL2 text (OGC API – Features Part 3): Basic CQL2 (comparisons,
//! AND/OR/NOT, IS [NOT] NULL, LIKE, BETWEEN, IN) and the basic spatial
//! functions S_INTERSECTS, S_WITHIN, S_CONTAINS, S_DISJOINT … with POINT,
//! LINESTRING, POLYGON, MULTI* WKT and BBOX literals, parsed into the
//! store's filter model.

use crate::gml::{Coord, Curve, Geometry, Polygon};
use crate::store::features::{CmpOp, Filter, Prop, SpatialOp};

/// A CQL2 syntax or semantic error, with the position it refers to.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("CQL2 at character {pos}: {message}")]
pub struct CqlError {
    pub pos: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64, String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    End,
}

fn tokenize(s: &str) -> Result<Vec<(Tok, usize)>, CqlError> {
    let b: Vec<char> = s.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '=' => {
                i += 1;
                Tok::Op("=")
            }
            '<' | '>' => {
                i += 1;
                match (c, b.get(i)) {
                    ('<', Some('=')) => {
                        i += 1;
                        Tok::Op("<=")
                    }
                    ('<', Some('>')) => {
                        i += 1;
                        Tok::Op("<>")
                    }
                    ('>', Some('=')) => {
                        i += 1;
                        Tok::Op(">=")
                    }
                    ('<', _) => Tok::Op("<"),
                    _ => Tok::Op(">"),
                }
            }
            '\'' => {
                let (v, next) = quoted(&b, i, '\'', "string")?;
                i = next;
                Tok::Str(v)
            }
            '"' => {
                let (v, next) = quoted(&b, i, '"', "quoted identifier")?;
                i = next;
                Tok::Ident(v)
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let mut v = String::new();
                v.push(c);
                i += 1;
                while let Some(&ch) = b.get(i) {
                    let exp_sign = (ch == '-' || ch == '+') && v.ends_with(['e', 'E']);
                    if ch.is_ascii_digit() || ch == '.' || ch == 'e' || ch == 'E' || exp_sign {
                        v.push(ch);
                        i += 1;
                    } else {
                        break;
                    }
                }
                let n: f64 = v.parse().map_err(|_| CqlError {
                    pos: start,
                    message: format!("'{v}' is not a number"),
                })?;
                // "+0.3" is the number 0.3
                Tok::Num(n, v.trim_start_matches('+').to_string())
            }
            c if c.is_alphabetic() || c == '_' || c == '@' => {
                let mut v = String::new();
                while let Some(&ch) = b.get(i) {
                    if ch.is_alphanumeric()
                        || ch == '_'
                        || ch == '.'
                        || ch == ':'
                        || ch == '@'
                        || ch == '/'
                    {
                        v.push(ch);
                        i += 1;
                    } else {
                        break;
                    }
                }
                Tok::Ident(v)
            }
            other => {
                return Err(CqlError {
                    pos: start,
                    message: format!("unexpected character '{other}'"),
                })
            }
        };
        out.push((tok, start));
    }
    out.push((Tok::End, b.len()));
    Ok(out)
}

/// The text of a quoted token starting at `start` (a doubled quote stands
/// for one) and the position after it.
fn quoted(b: &[char], start: usize, q: char, what: &str) -> Result<(String, usize), CqlError> {
    let mut v = String::new();
    let mut i = start + 1;
    loop {
        match b.get(i) {
            None => {
                return Err(CqlError {
                    pos: start,
                    message: format!("unterminated {what}"),
                })
            }
            Some(&c) if c == q && b.get(i + 1) == Some(&q) => {
                v.push(q);
                i += 2;
            }
            Some(&c) if c == q => return Ok((v, i + 1)),
            Some(&c) => {
                v.push(c);
                i += 1;
            }
        }
    }
}

/// Maps a property name to the store's property (nested data-type values
/// as "gemeinde.ags", like the flattened GeoJSON properties; "id" is the
/// gml:id).
pub type PropMapper<'a> = &'a dyn Fn(&str) -> Result<Prop, String>;

/// Turns a geometry literal (in the filter CRS, x/y as written) into EWKB
/// in the storage CRS.
pub type GeomMapper<'a> = &'a dyn Fn(Geometry) -> Result<Vec<u8>, String>;

struct Parser<'a> {
    toks: Vec<(Tok, usize)>,
    i: usize,
    prop: PropMapper<'a>,
    geom: GeomMapper<'a>,
    depth: usize,
    /// position of the last consumed token
    last: usize,
}

/// Parses a CQL2 text filter.
pub fn parse(text: &str, prop: PropMapper<'_>, geom: GeomMapper<'_>) -> Result<Filter, CqlError> {
    if text.len() > 1 << 20 {
        return Err(CqlError {
            pos: 0,
            message: "the filter is too long".into(),
        });
    }
    let mut p = Parser {
        toks: tokenize(text)?,
        i: 0,
        prop,
        geom,
        depth: 0,
        last: 0,
    };
    let f = p.or()?;
    match p.peek() {
        Tok::End => Ok(f),
        t => Err(p.err(format!("unexpected {t:?} after the end of the expression"))),
    }
}

fn kw(t: &Tok, word: &str) -> bool {
    matches!(t, Tok::Ident(s) if s.eq_ignore_ascii_case(word))
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.i].0
    }
    fn pos(&self) -> usize {
        self.toks[self.i].1
    }
    fn next(&mut self) -> Tok {
        self.last = self.toks[self.i].1;
        let t = self.toks[self.i].0.clone();
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
        t
    }
    fn err(&self, message: impl Into<String>) -> CqlError {
        CqlError {
            pos: self.pos(),
            message: message.into(),
        }
    }
    /// An error at the token just consumed.
    fn err_last(&self, message: impl Into<String>) -> CqlError {
        CqlError {
            pos: self.last,
            message: message.into(),
        }
    }
    fn expect(&mut self, t: Tok, what: &str) -> Result<(), CqlError> {
        if *self.peek() == t {
            self.next();
            Ok(())
        } else {
            Err(self.err(format!("expected {what}")))
        }
    }
    fn eat_kw(&mut self, word: &str) -> bool {
        if kw(self.peek(), word) {
            self.next();
            true
        } else {
            false
        }
    }

    /// `operand (WORD operand)*`, combined by `wrap` when there are several.
    fn chain(
        &mut self,
        word: &str,
        operand: fn(&mut Self) -> Result<Filter, CqlError>,
        wrap: fn(Vec<Filter>) -> Filter,
    ) -> Result<Filter, CqlError> {
        let mut v = vec![operand(self)?];
        while self.eat_kw(word) {
            v.push(operand(self)?);
        }
        Ok(if v.len() == 1 { v.remove(0) } else { wrap(v) })
    }

    fn or(&mut self) -> Result<Filter, CqlError> {
        self.chain("OR", Self::and, Filter::Or)
    }

    fn and(&mut self) -> Result<Filter, CqlError> {
        self.chain("AND", Self::not, Filter::And)
    }

    fn not(&mut self) -> Result<Filter, CqlError> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(self.err("the expression is nested too deeply"));
        }
        let r = if self.eat_kw("NOT") {
            Ok(Filter::Not(Box::new(self.not()?)))
        } else {
            self.primary()
        };
        self.depth -= 1;
        r
    }

    fn literal(&mut self) -> Result<String, CqlError> {
        match self.next() {
            Tok::Str(s) => Ok(s),
            Tok::Num(_, raw) => Ok(raw),
            Tok::Ident(s) if s.eq_ignore_ascii_case("TRUE") || s.eq_ignore_ascii_case("FALSE") => {
                Ok(s.to_ascii_lowercase())
            }
            Tok::Ident(s)
                if s.eq_ignore_ascii_case("DATE") || s.eq_ignore_ascii_case("TIMESTAMP") =>
            {
                self.expect(Tok::LParen, "'(' after DATE")?;
                let v = match self.next() {
                    Tok::Str(v) => v,
                    _ => return Err(self.err_last("DATE and TIMESTAMP take a quoted string")),
                };
                self.expect(Tok::RParen, "')'")?;
                Ok(v)
            }
            t => Err(self.err_last(format!("expected a literal, found {t:?}"))),
        }
    }

    fn property(&mut self, name: &str) -> Result<Prop, CqlError> {
        (self.prop)(name).map_err(|m| self.err_last(m))
    }

    fn primary(&mut self) -> Result<Filter, CqlError> {
        if *self.peek() == Tok::LParen {
            self.next();
            let f = self.or()?;
            self.expect(Tok::RParen, "')'")?;
            return Ok(f);
        }
        if kw(self.peek(), "TRUE") {
            self.next();
            return Ok(Filter::And(vec![]));
        }
        if kw(self.peek(), "FALSE") {
            self.next();
            return Ok(Filter::Or(vec![]));
        }
        let name = match self.next() {
            Tok::Ident(s) => s,
            t => {
                return Err(self.err_last(format!(
                    "expected a property name or a function, found {t:?}"
                )))
            }
        };
        if let Some(op) = spatial_op(&name) {
            return self.spatial(op);
        }
        let prop = self.property(&name)?;
        let negate = self.eat_kw("NOT");
        let f = match self.next() {
            Tok::Op(o) if !negate => {
                let value = self.literal()?;
                let op = match o {
                    "=" => CmpOp::Eq,
                    "<>" => CmpOp::Ne,
                    "<" => CmpOp::Lt,
                    "<=" => CmpOp::Le,
                    ">" => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                return Ok(Filter::Compare {
                    prop,
                    op,
                    value,
                    match_case: true,
                });
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("LIKE") => {
                let pattern = match self.next() {
                    Tok::Str(s) => s,
                    _ => return Err(self.err_last("LIKE takes a quoted pattern")),
                };
                Filter::Like {
                    prop,
                    pattern,
                    wild: '%',
                    single: '_',
                    escape: '\\',
                    match_case: true,
                }
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("BETWEEN") => {
                let lower = self.literal()?;
                if !self.eat_kw("AND") {
                    return Err(self.err("BETWEEN needs AND"));
                }
                let upper = self.literal()?;
                Filter::Between { prop, lower, upper }
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("IN") => {
                self.expect(Tok::LParen, "'(' after IN")?;
                let mut v = vec![];
                loop {
                    let value = self.literal()?;
                    v.push(Filter::Compare {
                        prop: prop.clone(),
                        op: CmpOp::Eq,
                        value,
                        match_case: true,
                    });
                    match self.next() {
                        Tok::Comma => continue,
                        Tok::RParen => break,
                        _ => return Err(self.err_last("expected ',' or ')' in the IN list")),
                    }
                }
                Filter::Or(v)
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("IS") && !negate => {
                let not = self.eat_kw("NOT");
                if !self.eat_kw("NULL") {
                    return Err(self.err("expected NULL after IS"));
                }
                let f = Filter::IsNull(prop);
                return Ok(if not { Filter::Not(Box::new(f)) } else { f });
            }
            t => {
                return Err(
                    self.err_last(format!("expected a comparison after '{name}', found {t:?}"))
                )
            }
        };
        Ok(if negate { Filter::Not(Box::new(f)) } else { f })
    }

    fn spatial(&mut self, op: SpatialOp) -> Result<Filter, CqlError> {
        self.expect(Tok::LParen, "'('")?;
        // the geometry property (there is one per feature) and a literal, in either order
        let mut geom = None;
        for k in 0..2 {
            if k == 1 {
                self.expect(Tok::Comma, "','")?;
            }
            match self.peek().clone() {
                Tok::Ident(w) if is_geometry_keyword(&w) => {
                    self.next();
                    geom = Some(self.geometry(&w)?);
                }
                Tok::Ident(_) => {
                    self.next();
                }
                t => {
                    return Err(self.err(format!("expected a property or a geometry, found {t:?}")))
                }
            }
        }
        self.expect(Tok::RParen, "')'")?;
        let g = geom.ok_or_else(|| self.err("a spatial function needs a geometry literal"))?;
        let ewkb = (self.geom)(g).map_err(|m| self.err(m))?;
        Ok(Filter::Spatial { op, ewkb })
    }

    fn number(&mut self) -> Result<f64, CqlError> {
        match self.next() {
            Tok::Num(n, _) if n.is_finite() => Ok(n),
            t => Err(self.err_last(format!("expected a number, found {t:?}"))),
        }
    }

    fn coord(&mut self) -> Result<Coord, CqlError> {
        let x = self.number()?;
        let y = self.number()?;
        // a third ordinate is ignored
        if matches!(self.peek(), Tok::Num(..)) {
            self.next();
        }
        Ok(Coord::new(x, y))
    }

    /// "(x y, x y, ...)"
    fn coords(&mut self) -> Result<Vec<Coord>, CqlError> {
        self.expect(Tok::LParen, "'('")?;
        let mut v = vec![self.coord()?];
        while *self.peek() == Tok::Comma {
            self.next();
            v.push(self.coord()?);
        }
        self.expect(Tok::RParen, "')'")?;
        if v.len() > 1_000_000 {
            return Err(self.err("the geometry has too many points"));
        }
        Ok(v)
    }

    /// "((ring), (ring))"
    fn polygon(&mut self) -> Result<Polygon, CqlError> {
        self.expect(Tok::LParen, "'('")?;
        let mut rings = vec![self.coords()?];
        while *self.peek() == Tok::Comma {
            self.next();
            rings.push(self.coords()?);
        }
        self.expect(Tok::RParen, "')'")?;
        for r in &rings {
            if r.len() < 4 || r.first() != r.last() {
                return Err(
                    self.err_last("a polygon ring needs at least 4 points and must be closed")
                );
            }
        }
        let mut it = rings.into_iter();
        Ok(Polygon {
            exterior: Curve::line(it.next().unwrap_or_default()),
            interiors: it.map(Curve::line).collect(),
        })
    }

    fn list<T>(
        &mut self,
        item: impl Fn(&mut Self) -> Result<T, CqlError>,
    ) -> Result<Vec<T>, CqlError> {
        self.expect(Tok::LParen, "'('")?;
        let mut v = vec![item(self)?];
        while *self.peek() == Tok::Comma {
            self.next();
            v.push(item(self)?);
        }
        self.expect(Tok::RParen, "')'")?;
        Ok(v)
    }

    fn geometry(&mut self, keyword: &str) -> Result<Geometry, CqlError> {
        Ok(match keyword.to_ascii_uppercase().as_str() {
            "POINT" => {
                self.expect(Tok::LParen, "'('")?;
                let c = self.coord()?;
                self.expect(Tok::RParen, "')'")?;
                Geometry::Point(c)
            }
            "LINESTRING" => Geometry::Curve(Curve::line(self.coords()?)),
            "POLYGON" => Geometry::Polygon(self.polygon()?),
            "MULTIPOINT" => Geometry::MultiPoint(self.list(|p| {
                // MULTIPOINT((1 2), (3 4)) or MULTIPOINT(1 2, 3 4)
                if *p.peek() == Tok::LParen {
                    p.next();
                    let c = p.coord()?;
                    p.expect(Tok::RParen, "')'")?;
                    Ok(c)
                } else {
                    p.coord()
                }
            })?),
            "MULTILINESTRING" => Geometry::MultiCurve(self.list(|p| p.coords().map(Curve::line))?),
            "MULTIPOLYGON" => Geometry::MultiSurface(self.list(|p| p.polygon())?),
            "BBOX" => {
                self.expect(Tok::LParen, "'('")?;
                let mut n = vec![self.number()?];
                while *self.peek() == Tok::Comma {
                    self.next();
                    n.push(self.number()?);
                }
                self.expect(Tok::RParen, "')'")?;
                let (a, b) = match n.len() {
                    4 => (Coord::new(n[0], n[1]), Coord::new(n[2], n[3])),
                    6 => (Coord::new(n[0], n[1]), Coord::new(n[3], n[4])),
                    _ => return Err(self.err_last("BBOX takes 4 (or 6) numbers")),
                };
                if a.x > b.x || a.y > b.y {
                    return Err(self.err_last("BBOX: minimum above maximum"));
                }
                super::fes::box_geometry(a, b)
            }
            other => return Err(self.err(format!("'{other}' is not a supported geometry"))),
        })
    }
}

fn is_geometry_keyword(w: &str) -> bool {
    matches!(
        w.to_ascii_uppercase().as_str(),
        "POINT"
            | "LINESTRING"
            | "POLYGON"
            | "MULTIPOINT"
            | "MULTILINESTRING"
            | "MULTIPOLYGON"
            | "BBOX"
    )
}

fn spatial_op(name: &str) -> Option<SpatialOp> {
    Some(match name.to_ascii_uppercase().as_str() {
        "S_INTERSECTS" => SpatialOp::Intersects,
        "S_DISJOINT" => SpatialOp::Disjoint,
        "S_WITHIN" => SpatialOp::Within,
        "S_CONTAINS" => SpatialOp::Contains,
        "S_TOUCHES" => SpatialOp::Touches,
        "S_CROSSES" => SpatialOp::Crosses,
        "S_OVERLAPS" => SpatialOp::Overlaps,
        "S_EQUALS" => SpatialOp::Equals,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Filter, CqlError> {
        let prop = |n: &str| -> Result<Prop, String> {
            match n {
                "id" => Ok(Prop::GmlId),
                "nope" => Err(format!("unknown property '{n}'")),
                n => Ok(Prop::Path(n.split('.').map(str::to_string).collect())),
            }
        };
        let geom =
            |g: Geometry| -> Result<Vec<u8>, String> { Ok(crate::gml::wkb::to_ewkb(&g, 4326)) };
        parse(text, &prop, &geom)
    }

    #[test]
    fn basic_cql2() {
        let f = p("rechtscharakter = 1000 AND (text LIKE 'Hecke%' OR NOT gemeinde.ags IS NULL)")
            .unwrap();
        let Filter::And(v) = f else { panic!("{f:?}") };
        assert!(matches!(&v[0], Filter::Compare { op: CmpOp::Eq, value, .. } if value == "1000"));
        let Filter::Or(o) = &v[1] else {
            panic!("{:?}", v[1])
        };
        assert!(matches!(&o[0], Filter::Like { pattern, wild: '%', .. } if pattern == "Hecke%"));
        assert!(
            matches!(&o[1], Filter::Not(b) if matches!(**b, Filter::IsNull(Prop::Path(ref s)) if s == &["gemeinde", "ags"]))
        );
        assert!(matches!(
            p("GRZ BETWEEN 0.2 AND 0.4").unwrap(),
            Filter::Between { .. }
        ));
        assert!(matches!(p("massnahme IN (1000, '2000')").unwrap(), Filter::Or(v) if v.len() == 2));
        assert!(matches!(
            p("massnahme NOT IN (1000)").unwrap(),
            Filter::Not(_)
        ));
        assert!(matches!(p("x IS NOT NULL").unwrap(), Filter::Not(_)));
        assert!(
            matches!(p("name = 'O''Brien'").unwrap(), Filter::Compare { value, .. } if value == "O'Brien")
        );
        assert!(
            matches!(p("d >= DATE('2020-01-31')").unwrap(), Filter::Compare { op: CmpOp::Ge, value, .. } if value == "2020-01-31")
        );
        assert!(matches!(
            p("\"id\" <> 'GML_1'").unwrap(),
            Filter::Compare {
                prop: Prop::GmlId,
                op: CmpOp::Ne,
                ..
            }
        ));
        assert!(matches!(
            p("S_INTERSECTS(geometry, BBOX(9.9, 53.5, 10.1, 53.6))").unwrap(),
            Filter::Spatial {
                op: SpatialOp::Intersects,
                ..
            }
        ));
        assert!(matches!(
            p("S_WITHIN(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))").unwrap(),
            Filter::Spatial {
                op: SpatialOp::Within,
                ..
            }
        ));
        assert!(matches!(
            p("s_intersects(POINT(1 2), geometry)").unwrap(),
            Filter::Spatial { .. }
        ));
    }

    #[test]
    fn errors_name_the_position() {
        for (bad, at) in [
            ("a = ", 4),
            ("a == 1", 3),
            ("(a = 1", 6),
            ("a = 'x", 4),
            ("nope = 1", 0),
            ("a LIKE 1", 7),
            ("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 0 0)))", 46),
            ("a = 1 b", 6),
            ("a ! 1", 2),
        ] {
            let e = p(bad).unwrap_err();
            assert_eq!(e.pos, at, "{bad}: {e}");
        }
        let deep = format!("{}a = 1{}", "(".repeat(100), ")".repeat(100));
        assert!(p(&deep).is_err());
        let nots = format!("{}a = 1", "NOT ".repeat(100));
        assert!(p(&nots).is_err());
    }
}
