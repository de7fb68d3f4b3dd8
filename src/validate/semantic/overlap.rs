//! Rule 4.5.2.4 (XPlanGML 6.0) "Verbot der Doppelbelegung gleichnamiger
//! Attribute": an attribute of the rule's list must not be set both on a
//! BP_UeberbaubareGrundstuecksFlaeche and on a geometrically overlapping
//! object of one of the rule's classes. The one semantic rule that needs
//! geometry: overlapping means a common area that survives a negative
//! buffer of 1 mm (as in the Flächenschluss check, 2.2.1.1), so areas that
//! only share edges or differ by slivers do not count.

use super::*;
use crate::validate::flaechenschluss::significant_overlap;
use crate::validate::geltungsbereich::CHORD;
use crate::validate::geometry::{shapes_of, to_geo_area, Shapes};
use geo::BoundingRect;
use rayon::prelude::*;
use rstar::{primitives::GeomWithData, primitives::Rectangle, RTree, AABB};

/// The classes whose attributes must not repeat those of an overlapping
/// BP_UeberbaubareGrundstuecksFlaeche.
const CLASSES: [&str; 7] = [
    "BP_BaugebietsTeilFlaeche",
    "BP_BesondererNutzungszweckFlaeche",
    "BP_SpielSportanlagenFlaeche",
    "BP_GemeinbedarfsFlaeche",
    "BP_GruenFlaeche",
    "BP_VerEntsorgung",
    "SO_Strassenverkehr",
];

/// The attributes named in the rule text, and those of the data types
/// BP_GestaltungBaugebiet, BP_FestsetzungenBaugebiet and
/// BP_ZusaetzlicheFestsetzungen (flattened into the classes in the
/// XPlanGML 6.0 schema).
const ATTRIBUTES: [&str; 28] = [
    "bauweise",
    "bauweiseText",
    "abweichendeBauweise",
    "vertikaleDifferenzierung",
    "bebauungsArt",
    "bebauungVordereGrenze",
    "bebauungRueckwaertigeGrenze",
    "bebauungSeitlicheGrenze",
    "refGebaeudequerschnitt",
    "geschossMin",
    "geschossMax",
    // BP_GestaltungBaugebiet
    "dachgestaltung",
    "FR",
    // BP_FestsetzungenBaugebiet
    "MaxZahlWohnungen",
    "MinGRWohneinheit",
    "Fmin",
    "Fmax",
    "Bmin",
    "Bmax",
    "Tmin",
    "Tmax",
    // BP_ZusaetzlicheFestsetzungen
    "wohnnutzungEGStrasse",
    "ZWohn",
    "GFAntWohnen",
    "GFWohnen",
    "GFAntGewerbe",
    "GFGewerbe",
    "VF",
];

pub(super) const RULES: &[CheckedRule] = &[CheckedRule {
    number: "4.5.2.4",
    title: "Verbot der Doppelbelegung gleichnamiger Attribute",
    versions: &[Version::V6_0],
    check: double_attributes,
}];

type Indexed = GeomWithData<Rectangle<[f64; 2]>, usize>;

fn set_attributes(f: &crate::xplan::Feature) -> Vec<&'static str> {
    ATTRIBUTES
        .iter()
        .copied()
        .filter(|a| set(&f.properties, a))
        .collect()
}

fn double_attributes(c: &Ctx) -> Vec<Finding> {
    let area = |f: &crate::xplan::Feature| {
        f.geometry("position")
            .and_then(|g| to_geo_area(&g.geometry.geometry, CHORD))
    };
    // the overlapping side: only objects with one of the attributes set
    type Other<'a> = (
        &'a crate::xplan::Feature,
        Vec<&'a str>,
        geo::MultiPolygon<f64>,
        Shapes,
        geo::Rect<f64>,
    );
    let others: Vec<Other> = c
        .doc
        .features
        .par_iter()
        .filter(|f| CLASSES.iter().any(|k| is_a(c.codes, &f.feature_type, k)))
        .filter_map(|f| {
            let attrs = set_attributes(f);
            if attrs.is_empty() {
                return None;
            }
            let g = area(f)?;
            let (shapes, rect) = (shapes_of(&g.0), g.bounding_rect()?);
            Some((f, attrs, g, shapes, rect))
        })
        .collect();
    if others.is_empty() {
        return Vec::new();
    }
    let tree: RTree<Indexed> = RTree::bulk_load(
        others
            .iter()
            .enumerate()
            .map(|(i, (_, _, _, _, r))| {
                GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                )
            })
            .collect(),
    );
    let ugf: Vec<&crate::xplan::Feature> =
        c.instances("BP_UeberbaubareGrundstuecksFlaeche").collect();
    ugf.par_iter()
        .flat_map_iter(|u| {
            let attrs = set_attributes(u);
            let mut out = Vec::new();
            if attrs.is_empty() {
                return out;
            }
            let Some(g) = area(u) else { return out };
            let Some(r) = g.bounding_rect() else {
                return out;
            };
            let shapes = shapes_of(&g.0);
            let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
            let mut hits: Vec<usize> = tree
                .locate_in_envelope_intersecting(&env)
                .map(|e| e.data)
                .collect();
            hits.sort_unstable();
            for i in hits {
                let (o, o_attrs, og, o_shapes, o_rect) = &others[i];
                let both: Vec<&str> = attrs
                    .iter()
                    .copied()
                    .filter(|a| o_attrs.contains(a))
                    .collect();
                // a common area surviving a negative buffer of 1 mm, as the
                // overlaps of the Flächenschluss check (2.2.1.1)
                if both.is_empty()
                    || significant_overlap((&g, &shapes, r), (og, o_shapes, *o_rect)).is_none()
                {
                    continue;
                }
                out.push(finding(
                    "4.5.2.4",
                    format!(
                        "BP_UeberbaubareGrundstuecksFlaeche {} and the overlapping {} {} both set {}",
                        u.gml_id,
                        o.feature_type,
                        o.gml_id,
                        both.join(", ")
                    ),
                    vec![u.gml_id.clone(), o.gml_id.clone()],
                    u.line,
                ));
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(id: &str, class: &str, x0: f64, size: f64, attrs: &str) -> String {
        let x1 = x0 + size;
        format!(
            r#"<xplan:{class} gml:id="{id}">{attrs}<xplan:position><gml:Polygon gml:id="{id}_g" srsName="EPSG:25832"><gml:exterior><gml:LinearRing><gml:posList>{x0} 0 {x1} 0 {x1} {size} {x0} {size} {x0} 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></xplan:position></xplan:{class}>"#
        )
    }

    #[test]
    fn same_attribute_on_overlapping_objects() {
        let ugf = square(
            "u",
            "BP_UeberbaubareGrundstuecksFlaeche",
            0.0,
            10.0,
            "<xplan:bauweise>1000</xplan:bauweise><xplan:GRZ>0.4</xplan:GRZ>",
        );
        // overlaps u and sets bauweise too
        let btf = square(
            "b",
            "BP_BaugebietsTeilFlaeche",
            5.0,
            10.0,
            "<xplan:bauweise>2000</xplan:bauweise>",
        );
        // overlaps u, but only the Maß (GRZ), which the rule does not list
        let gruen = square(
            "g",
            "BP_GruenFlaeche",
            2.0,
            5.0,
            "<xplan:GRZ>0.2</xplan:GRZ>",
        );
        // sets bauweise, but only touches u along x = 10
        let touching = square(
            "t",
            "BP_BesondererNutzungszweckFlaeche",
            10.0,
            5.0,
            "<xplan:bauweise>1000</xplan:bauweise>",
        );
        assert_eq!(
            test_findings(Version::V6_0, "4.5.2.4", &[&ugf, &btf, &gruen, &touching]),
            [(Level::Error, vec!["u".to_string(), "b".to_string()])]
        );
        // without the double attribute: nothing
        let btf_ok = square(
            "b",
            "BP_BaugebietsTeilFlaeche",
            5.0,
            10.0,
            "<xplan:GFZ>1.0</xplan:GFZ>",
        );
        assert!(test_findings(Version::V6_0, "4.5.2.4", &[&ugf, &btf_ok]).is_empty());
    }
}
