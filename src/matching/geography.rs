//! Which UN M49 region and sub-region a country belongs to, so that an offer serving a region
//! serves the countries in it. Data from the M49 standard (sub-Saharan Africa split into its
//! four intermediate regions, the Americas into Latin America and Northern America).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::accounts::model::Country;
use crate::catalogue::model::Region;

/// (sub-region, its region, member countries).
const SUB_REGIONS: &[(Region, Region, &str)] = &[
    (Region::NorthernAfrica, Region::Africa, "DZ EG LY MA SD TN EH"),
    (
        Region::EasternAfrica,
        Region::Africa,
        "BI KM DJ ER ET KE MG MW MU YT MZ RE RW SC SO SS TZ UG ZM ZW IO TF",
    ),
    (Region::MiddleAfrica, Region::Africa, "AO CM CF TD CG CD GQ GA ST"),
    (Region::SouthernAfrica, Region::Africa, "BW SZ LS NA ZA"),
    (
        Region::WesternAfrica,
        Region::Africa,
        "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG",
    ),
    (
        Region::LatinAmericaCaribbean,
        Region::Americas,
        "AI AG AR AW BS BB BZ BO BQ BV BR VG KY CL CO CR CU CW DM DO EC SV FK GF GD GP GT GY HT HN \
         JM MQ MX MS NI PA PY PE PR BL KN LC MF VC SX GS SR TT TC UY VE VI",
    ),
    (Region::NorthernAmerica, Region::Americas, "BM CA GL PM US"),
    (Region::CentralAsia, Region::Asia, "KZ KG TJ TM UZ"),
    (Region::EasternAsia, Region::Asia, "CN HK MO KP JP MN KR TW"),
    (Region::SouthEasternAsia, Region::Asia, "BN KH ID LA MY MM PH SG TH TL VN"),
    (Region::SouthernAsia, Region::Asia, "AF BD BT IN IR MV NP PK LK"),
    (
        Region::WesternAsia,
        Region::Asia,
        "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE",
    ),
    (Region::EasternEurope, Region::Europe, "BY BG CZ HU PL MD RO RU SK UA"),
    (
        Region::NorthernEurope,
        Region::Europe,
        "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB",
    ),
    (
        Region::SouthernEurope,
        Region::Europe,
        "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES",
    ),
    (Region::WesternEurope, Region::Europe, "AT BE FR DE LI LU MC NL CH"),
    (
        Region::Oceania,
        Region::Oceania,
        "AS AU CX CC CK FJ PF GU HM KI MH FM NR NC NZ NU NF MP PW PG PN WS SB TK TO TV UM VU WF",
    ),
];

/// The regions a country lies in, most specific first; empty for Antarctica. The scorer
/// asks this for every offer that names regions, so the table is read into a map once.
pub fn regions_of(country: Country) -> &'static [Region] {
    static BY_COUNTRY: OnceLock<HashMap<&'static str, Vec<Region>>> = OnceLock::new();
    let by_country = BY_COUNTRY.get_or_init(|| {
        let mut by_country = HashMap::new();
        for (sub, region, members) in SUB_REGIONS {
            let regions = if sub == region {
                vec![*sub]
            } else {
                vec![*sub, *region]
            };
            for code in members.split_whitespace() {
                by_country.insert(code, regions.clone());
            }
        }
        by_country
    });
    by_country
        .get(country.alpha2())
        .map(Vec::as_slice)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_inhabited_country_has_a_region() {
        let mut missing = Vec::new();
        for code in isocountry::CountryCode::iter() {
            let country = Country::parse(code.alpha2()).unwrap();
            if regions_of(country).is_empty() && code.alpha2() != "AQ" {
                missing.push(code.alpha2());
            }
        }
        assert!(missing.is_empty(), "no region for {missing:?}");
    }

    #[test]
    fn countries_are_in_their_sub_region_and_region() {
        let kenya = regions_of(Country::parse("KE").unwrap());
        assert_eq!(kenya, [Region::EasternAfrica, Region::Africa]);
        assert_eq!(regions_of(Country::parse("FJ").unwrap()), [Region::Oceania]);
        assert!(regions_of(Country::parse("AQ").unwrap()).is_empty());
    }

    #[test]
    fn no_country_is_listed_twice() {
        let mut seen = std::collections::HashSet::new();
        for (_, _, members) in SUB_REGIONS {
            for code in members.split_whitespace() {
                assert!(seen.insert(code), "{code} twice");
                assert!(Country::parse(code).is_some(), "{code} is not ISO 3166-1");
            }
        }
    }
}
