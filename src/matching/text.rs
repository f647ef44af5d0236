//! What the scorer reads in an item's words. Its terms feed a similarity between a need and an
//! offer. The terms are lower-cased, with accents folded and stop words dropped, and stemmed by
//! prefix; the domain's words in the languages we serve map to one shared concept. The text
//! also says a few things that decide a fit: how long the help lasts, whether it scales
//! through trainers, who may apply, and whether the requester is public and has had an
//! incident. Pure; no model is downloaded, every rule is in this file.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Words kept whole up to this many characters; longer ones are cut to it (a prefix stemmer,
/// which serves English, French, Spanish, Portuguese, Russian and Indonesian well enough).
const STEM: usize = 5;

/// The weight of a concept that says little about the fit (every item is about security in
/// health): it still counts, but a shared specific word counts four times more.
const GENERIC: f64 = 0.25;

/// Words that carry no meaning for a fit, in the languages we serve, after folding. Words of
/// fewer than three characters are dropped anyway.
const STOP_WORDS: &str = "the and for of to in on with our we are is be by at from or as this that their your \
     you it its can will have has all any each more than into who which not no per only also after before about \
     over up les des une pour aux avec dans par sur est sont nous notre nos vos votre qui que leur leurs ces cette \
     plus pas chaque entre tout tous los las del para con por una unos unas sus nuestro nuestra nuestros este esta \
     como mas cada sin sobre dos das com uma umas seus suas nosso nossa nao kwa ya wa za la cha katika ni au pamoja \
     hadi dan untuk yang dengan dari di ke pada dalam serta atau ini itu kami для при или что как это эти их наш \
     наши все из по на от до في من على الى عن مع او هذا هذه التي الذي";

/// Concepts and their words in our languages, written naturally and stemmed when the table is
/// built. A `*` before a concept marks it generic (see `GENERIC`).
const CONCEPTS: &[(&str, &str)] = &[
    ("backup", "backup backups sauvegarde sauvegardes respaldo respaldos copias copia cópias cópia cadangan chelezo резервное резервных резервные احتياطي الاحتياطي الاحتياطية"),
    ("restore", "restore restores restoring restoration recovery recover recovering restauration restaurer restauración restaurar restauro recuperación recuperação recuperar pemulihan восстановление восстановления استعادة الاستعادة"),
    ("training", "training trainings course courses formation formations formación capacitación capacitar formação formacao treinamento curso cursos mafunzo pelatihan обучение обучения курс تدريب التدريب دورة"),
    ("trainer", "trainer trainers formateur formateurs formadores formador wakufunzi mkufunzi pelatih тренеров тренер المدربين مدرب"),
    ("awareness", "awareness sensibilisation sensibiliser concientización sensibilização consciencialização uelewa kesadaran осведомлённость осведомлённости осведомленность توعية الوعي"),
    ("phishing", "phishing hameçonnage ulaghai фишинг фишинга фишинговые التصيد الاحتيالي"),
    ("incident", "incident incidents incidente incidentes insiden matukio tukio инцидент инцидентов инциденты инцидентах حادث الحوادث حوادث"),
    ("response", "response respond réponse respuesta resposta tanggap reagir реагирование реагирования الاستجابة"),
    ("csirt", "csirt csirts cert cirt soc"),
    ("forensics", "forensics forensic forensique forense forensik криминалистика investigation investigación investigação"),
    ("evidence", "evidence preuves preuve evidencias evidências bukti доказательства доказательств الأدلة"),
    ("playbook", "playbook playbooks procedures procédures procedimientos procedimentos prosedur процедуры процедур إجراءات"),
    ("plan", "plan plans planes plano planos rencana mpango план плана خطة خطط"),
    ("continuity", "continuity continuité continuidad continuidade kelangsungan mwendelezo непрерывность استمرارية"),
    ("downtime", "downtime paper papier papel manual manuel kertas бумажные يدوي اليدوي توقف"),
    ("assessment", "assessment assessments assess évaluation évaluer evaluación evaluar avaliação avaliar penilaian tathmini оценка оценки تقييم"),
    ("maturity", "maturity maturité madurez maturidade kematangan зрелости зрелость النضج"),
    ("roadmap", "roadmap prioritised prioritized priorities priorités prioridades priorizada priorizar prioritas приоритеты أولويات"),
    ("strategy", "strategy strategies stratégie estrategia estratégia strategi mkakati стратегия стратегии استراتيجية"),
    ("regulation", "regulation regulations rules réglementation regulación regulamento regulasi kanuni регулирование compliance conformité cumplimiento conformidade"),
    ("privacy", "data-protection privacy protection protección proteção perlindungan защита حماية"),
    ("device", "device devices dispositif dispositifs dispositivo dispositivos perangkat vifaa устройства устройств أجهزة الأجهزة biomédicaux biomedical biomédico"),
    ("network", "network networks réseau réseaux redes rede jaringan mtandao сеть сети شبكة الشبكة"),
    ("segmentation", "segmentation segment segmentación segmentação segmentasi сегментация separate separating séparer separar"),
    ("identity", "identity identities identité identidad identidade identitas идентификация authentication authentification autenticación autenticação otentikasi аутентификация mfa multi-factor sign-on accounts account comptes cuentas contas akun учётные учетные الحسابات الهويات"),
    ("password", "password passwords passe contraseña contraseñas senha senhas sandi nywila пароль пароли المرور"),
    ("vulnerability", "vulnerability vulnerabilities vulnérabilité vulnérabilités vulnerabilidad vulnerabilidades kerentanan уязвимость уязвимостей الثغرات scanning scanner scan"),
    ("patch", "patch patches patching correctifs correctif parches parche correções correção tambalan обновление обновлений обновления updates update mises تحديثات التحديثات"),
    ("hardening", "hardening harden durcissement endurecimiento endurecimento pengerasan укрепление تقوية"),
    ("grant", "grant grants subvention subventions subvención subvenciones subsídio subsídios hibah ruzuku грант гранты منحة منح"),
    ("funding", "funding funds fund financement financer financiamiento financiar financiamento financiar pendanaan dana ufadhili финансирование финансирования تمويل"),
    ("budget", "budget presupuesto orçamento anggaran bajeti бюджет ميزانية"),
    ("monitoring", "monitoring monitor surveillance monitoreo monitorização monitorização pemantauan ufuatiliaji мониторинг مراقبة siem sensors capteurs sensores logs log journaux registros журналы السجلات detection détection detección deteção deteksi обнаружение الكشف"),
    ("insurance", "insurance insurer insurers assurance assureur seguro seguros asuransi bima страхование страховой تأمين التأمين"),
    ("ransomware", "ransomware rançongiciel rançongiciels secuestro sequestro вымогатель вымогателей الفدية"),
    ("exercise", "exercise exercises exercice exercices ejercicio ejercicios exercício exercícios latihan zoezi учения учение تمرين drill drills tabletop"),
    ("simulation", "simulation simulations simulación simulaciones simulação simulações simulasi uigaji симуляция учебные محاكاة"),
    ("record", "ehr emr dossier dossiers historia historias prontuário prontuario rekam kumbukumbu карта карты السجل"),
    ("imaging", "imaging pacs dicom radiology imagerie radiologie imagen imágenes radiología imagem radiologia pencitraan радиология الأشعة"),
    ("sharing", "sharing share partage partager intercambio compartir partilha partilhar berbagi kushiriki обмен تبادل isac"),
    ("intelligence", "intelligence renseignement inteligencia inteligência intelijen разведка indicators indicateurs indicadores"),
    ("leadership", "director directors directeur directeurs directora directores diretor diretores direktur mkurugenzi директор директоров board boards executives dirigeants directivos gerentes leadership المديرين"),
    ("crisis", "crisis crise krisis mgogoro кризис الأزمة"),
    ("vendor", "vendor vendors supplier suppliers fournisseur fournisseurs proveedor proveedores fornecedor fornecedores pemasok поставщик поставщиков الموردين"),
    ("cloud", "cloud nuage nube nuvem awan облако السحابة hosted hosting"),
    ("*hospital", "hospital hospitals hôpital hôpitaux chu hospitales hospitais rumah hospitali больница больницы больниц مستشفى المستشفيات المستشفى clinic clinics"),
    ("*staff", "staff personnel personal pessoal wafanyakazi staf персонал сотрудников موظفي الموظفين workers employees agents"),
    ("*team", "team teams équipe équipes equipo equipos equipa equipas tim timu команда команды فريق"),
    ("*health", "health santé salud saúde kesehatan afya здравоохранения здоровья الصحة الصحية medical médical médicaux médico médicos medis медицинского"),
    ("*security", "security cybersecurity cyber sécurité cybersécurité seguridad ciberseguridad segurança cibersegurança keamanan siber usalama безопасность безопасности الأمن السيبراني"),
    ("*support", "support help coaching mentoring mentor accompagnement accompagner acompañamiento apoyo acompanhamento apoio pendampingan msaada сопровождение помощь دعم مساعدة twinning"),
    ("*programme", "programme program programa programu программа برنامج"),
    ("*ministry", "ministry ministries ministère ministères ministerio ministerios ministério kementerian wizara министерство министерства وزارة"),
];

/// Folds one lower-cased character: Latin accents off, Arabic letter variants to one form,
/// Arabic diacritics and the tatweel dropped.
fn fold(c: char) -> Option<char> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ё' => 'е',
        'أ' | 'إ' | 'آ' => 'ا',
        'ة' => 'ه',
        'ى' => 'ي',
        '\u{064B}'..='\u{0652}' | 'ـ' => return None,
        other => other,
    })
}

/// The words of `text`, lower-cased and folded, in order (stop words included).
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '-')
        .flat_map(|word| word.split('-'))
        .filter(|word| !word.is_empty())
        .map(|word| {
            word.chars()
                .flat_map(char::to_lowercase)
                .filter_map(fold)
                .collect::<String>()
        })
}

/// A word's stem: the Arabic article off, then the first `STEM` characters.
fn stem(word: &str) -> String {
    let word = ["وال", "بال", "لل", "ال"]
        .iter()
        .find_map(|article| {
            word.strip_prefix(article)
                .filter(|rest| rest.chars().count() >= 3)
        })
        .unwrap_or(word);
    word.chars().take(STEM).collect()
}

struct Lexicon {
    stop: std::collections::HashSet<String>,
    /// Stem -> (concept, weight).
    concepts: HashMap<String, (&'static str, f64)>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let stop = words(STOP_WORDS).collect();
        let mut concepts = HashMap::new();
        for (name, list) in CONCEPTS {
            let (name, weight) = match name.strip_prefix('*') {
                Some(generic) => (generic, GENERIC),
                None => (*name, 1.0),
            };
            for word in words(list) {
                concepts.entry(stem(&word)).or_insert((name, weight));
            }
        }
        Lexicon { stop, concepts }
    })
}

/// An item's terms with their weights, and the vector's length. Sorted by a hash of the term,
/// then the term: the similarity merges two such lists once per pair scored (thousands per
/// candidate list), and with the terms compared as strings that merge was 12 % of a candidate
/// list's time at 100k offers (docs/PERFORMANCE.md); equal hashes still compare the terms, so
/// a collision cannot join two different words.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Terms {
    terms: Vec<Term>,
    norm: f64,
}

/// One term: its hash (`key`), its text, its weight in the vector.
#[derive(Debug, Clone, PartialEq)]
struct Term {
    key: u64,
    text: String,
    weight: f64,
}

impl Term {
    fn new(text: String, weight: f64) -> Self {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let key = BuildHasherDefault::<DefaultHasher>::default().hash_one(&text);
        Self { key, text, weight }
    }

    fn order(&self) -> (u64, &str) {
        (self.key, &self.text)
    }
}

/// Fewer meaningful terms than this and a text says too little to be compared.
const FEW_TERMS: usize = 3;

impl Terms {
    /// The terms of a title and a description; the title's count twice.
    pub fn of(title: &str, description: &str) -> Self {
        let lexicon = lexicon();
        let mut counts: HashMap<String, (f64, f64)> = HashMap::new();
        for (text, times) in [(title, 2.0), (description, 1.0)] {
            for word in words(text) {
                if word.chars().count() < 3
                    || word.chars().all(|c| c.is_ascii_digit())
                    || lexicon.stop.contains(&word)
                {
                    continue;
                }
                let stem = stem(&word);
                let (term, weight) = match lexicon.concepts.get(&stem) {
                    Some((concept, weight)) => (format!("#{concept}"), *weight),
                    None => (stem, 1.0),
                };
                let entry = counts.entry(term).or_insert((0.0, weight));
                entry.0 += times;
            }
        }
        let mut terms: Vec<Term> = counts
            .into_iter()
            .map(|(term, (count, weight))| Term::new(term, weight * (1.0 + f64::ln(count))))
            .collect();
        terms.sort_by(|a, b| a.order().cmp(&b.order()));
        let norm = terms
            .iter()
            .map(|t| t.weight * t.weight)
            .sum::<f64>()
            .sqrt();
        Self { terms, norm }
    }

    /// Whether there is enough text to compare.
    pub fn is_comparable(&self) -> bool {
        self.terms.len() >= FEW_TERMS
    }

    /// Cosine similarity of the two weighted term vectors, in [0, 1]; `None` when either says
    /// too little.
    pub fn similarity(&self, other: &Terms) -> Option<f64> {
        if !self.is_comparable() || !other.is_comparable() {
            return None;
        }
        let (mut i, mut j, mut dot) = (0, 0, 0.0);
        while i < self.terms.len() && j < other.terms.len() {
            match self.terms[i].order().cmp(&other.terms[j].order()) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += self.terms[i].weight * other.terms[j].weight;
                    i += 1;
                    j += 1;
                }
            }
        }
        Some((dot / (self.norm * other.norm)).clamp(0.0, 1.0))
    }

    /// The shared terms that weigh most, for the explanation (concepts without their `#`).
    pub fn shared(&self, other: &Terms, at_most: usize) -> Vec<String> {
        let theirs: HashMap<&str, f64> = other
            .terms
            .iter()
            .map(|t| (t.text.as_str(), t.weight))
            .collect();
        let mut shared: Vec<(&str, f64)> = self
            .terms
            .iter()
            .filter_map(|t| {
                let theirs = theirs.get(t.text.as_str())?;
                Some((t.text.as_str(), t.weight * theirs))
            })
            .collect();
        shared.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        shared
            .into_iter()
            .take(at_most)
            .map(|(t, _)| t.trim_start_matches('#').to_owned())
            .collect()
    }
}

/// How much help an offer's words say it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Weeks or months of work with the requester.
    Programme,
    /// A course of some days.
    Course,
    /// A webinar or an hour's session.
    Brief,
    /// Material to use alone: a kit, a self-paced course.
    SelfService,
    /// A product trial or a sales pitch.
    Pitch,
    /// The words say nothing of it.
    Unsaid,
}

/// Who an offer's words say may apply, when they restrict it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restriction {
    PrivateOnly,
    PublicOnly,
    AfterIncident,
    /// Only the customers or members of these (names as written).
    Named(Vec<String>),
}

// Costs a grant may or may not pay for, and whether a need's words say its organisation is
// public or private, are read in the vocabularies the structured fields use.
pub use crate::catalogue::model::{Cost, Sector};

/// What the scorer reads in one item's title and description.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub terms: Terms,
    pub format: Format,
    /// Trains trainers or runs cohorts: reaches many more people than its seats.
    pub scales: bool,
    pub restrictions: Vec<Restriction>,
    /// Costs a grant says it does not pay for.
    pub excluded_costs: Vec<Cost>,
    /// Costs a need says it has.
    pub costs: Vec<Cost>,
    pub sector: Option<Sector>,
    /// The need says it has had an incident (and is recovering from it).
    pub had_incident: bool,
    /// The folded words, space-separated, for names a restriction asks for.
    folded: String,
}

/// Whether the space-separated `haystack` contains one of the phrases (folded words).
fn any_phrase(haystack: &str, phrases: &[&str]) -> bool {
    // Without allocating: this runs for every item a full run reads.
    phrases.iter().any(|phrase| {
        haystack.match_indices(phrase).any(|(at, _)| {
            haystack[..at].ends_with(' ') && haystack[at + phrase.len()..].starts_with(' ')
        })
    })
}

/// Whether one of the words of `haystack` starts with one of the stems.
fn any_stem(haystack: &str, stems: &[&str]) -> bool {
    haystack
        .split(' ')
        .any(|word| stems.iter().any(|s| word.starts_with(s)))
}

const ONLY: &[&str] = &[
    "only",
    "exclusively",
    "solely",
    "reserved",
    "uniquement",
    "seulement",
    "exclusivement",
    "reserve",
    "reserves",
    "reservee",
    "reservees",
    "solo",
    "solamente",
    "unicamente",
    "exclusivamente",
    "apenas",
    "somente",
    "hanya",
    "saja",
    "khusus",
    "tu",
    "только",
    "исключительно",
    "فقط",
];
const PRIVATE: &[&str] = &["privat", "prive", "swasta", "binafsi", "частн"];
const PUBLIC: &[&str] = &[
    "public",
    "publique",
    "publico",
    "publica",
    "negeri",
    "umma",
    "государствен",
    "حكومي",
];
const AFTER: &[&str] = &[
    "after",
    "apres",
    "despues",
    "tras",
    "apos",
    "setelah",
    "baada",
    "после",
    "بعد",
];
const INCIDENT: &[&str] = &[
    "incident",
    "attack",
    "cyberattack",
    "attaque",
    "ataque",
    "serangan",
    "shambulio",
    "атак",
    "инцидент",
    "هجوم",
    "حادث",
];
const MEMBERSHIP: &[&str] = &[
    "customer",
    "client",
    "member",
    "membre",
    "miembro",
    "membro",
    "anggota",
    "pelanggan",
    "wanachama",
    "wateja",
    "член",
    "участник",
    "клиент",
    "أعضاء",
    "عملاء",
];
const NOT_ELIGIBLE: &[&str] = &[
    "not eligible",
    "ineligible",
    "non eligible",
    "non eligibles",
    "pas eligibles",
    "no son elegibles",
    "no elegibles",
    "nao sao elegiveis",
    "tidak memenuhi",
    "не покрываются",
];
const EQUIPMENT: &[&str] = &[
    "equipment",
    "hardware",
    "server",
    "firewall",
    "appliance",
    "workstation",
    "equipement",
    "materiel",
    "serveur",
    "equipo",
    "servidor",
    "equipamento",
    "perangkat",
    "vifaa",
    "оборудован",
    "сервер",
    "معدات",
    "خوادم",
];
const LICENCES: &[&str] = &[
    "licence",
    "license",
    "licencia",
    "licenca",
    "lisensi",
    "leseni",
    "лиценз",
    "تراخيص",
    "siem",
];
/// Words of weeks and months: help that lasts.
const DURATIONS: &[&str] = &[
    "week",
    "weeks",
    "month",
    "months",
    "semaine",
    "semaines",
    "mois",
    "semana",
    "semanas",
    "mes",
    "meses",
    "minggu",
    "bulan",
    "wiki",
    "mwezi",
    "miezi",
    "недели",
    "недель",
    "месяц",
    "месяца",
    "месяцев",
    "شهر",
    "اشهر",
    "اسابيع",
];
/// Words of days: a course.
const DAYS: &[&str] = &[
    "day", "days", "jour", "jours", "dia", "dias", "hari", "siku", "дня", "дней", "يوم", "ايام",
];
/// Words that say a requester is a public body (ministries, counties, districts ...).
const PUBLIC_BODY: &[&str] = &[
    "ministry",
    "ministere",
    "ministerio",
    "kementerian",
    "wizara",
    "министерств",
    "وزاره",
    "government",
    "gouvernement",
    "gobierno",
    "governo",
    "pemerintah",
    "serikali",
    "county",
    "district",
    "federal",
    "provincial",
    "national",
];
const HAD_INCIDENT: &[&str] = &[
    "hit by",
    "was attacked",
    "were attacked",
    "we suffered",
    "recovering from",
    "since the attack",
    "after the attack",
    "victime d",
    "apres l attaque",
    "suite a l attaque",
    "fuimos atacados",
    "sufrimos",
    "tras el ataque",
    "apos o ataque",
    "sofremos",
    "terkena serangan",
    "setelah serangan",
    "после атаки",
    "تعرض",
];

impl Reading {
    pub fn of(title: &str, description: &str) -> Self {
        let terms = Terms::of(title, description);
        let all = format!("{title}. {description}");
        let folded = format!(" {} ", words(&all).collect::<Vec<_>>().join(" "));

        let format = if any_phrase(
            &folded,
            &[
                "free trial",
                "day trial",
                "product trial",
                "trial licence",
                "trial license",
                "upgrade to a paid",
                "request a quote",
                "sales team",
                "volume discounts",
                "at a discount",
                "essai gratuit",
                "prueba gratuita",
                "teste gratuito",
                "uji coba gratis",
            ],
        ) {
            Format::Pitch
        } else if any_phrase(&folded, DURATIONS) || folded.contains("месяч") {
            Format::Programme
        } else if any_phrase(
            &folded,
            &[
                "one hour",
                "1 hour",
                "60 minutes",
                "45 minutes",
                "30 minutes",
                "une heure",
                "una hora",
                "uma hora",
                "saa moja",
                "satu jam",
                "один час",
                "ساعه واحده",
            ],
        ) || any_stem(&folded, &["webinar", "webinaire", "вебинар"])
        {
            Format::Brief
        } else if any_phrase(
            &folded,
            &[
                "self service",
                "self paced",
                "autoformation",
                "en autonomie",
                "a su propio ritmo",
                "autoaprendizaje",
                "ao seu ritmo",
                "autoestudo",
                "belajar mandiri",
            ],
        ) {
            Format::SelfService
        } else if any_phrase(&folded, DAYS) {
            Format::Course
        } else {
            Format::Unsaid
        };

        let scales = any_phrase(
            &folded,
            &[
                "train the trainer",
                "train your own trainers",
                "trainers",
                "formateurs relais",
                "formation de formateurs",
                "formacion de formadores",
                "formacao de formadores",
                "wakufunzi",
                "pelatihan pelatih",
                "обучение тренеров",
                "تدريب المدربين",
            ],
        ) || any_stem(&folded, &["cohort", "когорт"]);

        let mut restrictions = Vec::new();
        let mut excluded_costs = Vec::new();
        for (sentence, original) in sentences(&all) {
            let only = any_phrase(&sentence, ONLY);
            if only && any_stem(&sentence, PRIVATE) {
                restrictions.push(Restriction::PrivateOnly);
            } else if only && any_stem(&sentence, PUBLIC) {
                restrictions.push(Restriction::PublicOnly);
            }
            if only && any_stem(&sentence, AFTER) && any_stem(&sentence, INCIDENT) {
                restrictions.push(Restriction::AfterIncident);
            }
            if only && any_stem(&sentence, MEMBERSHIP) {
                let names = proper_names(original);
                if !names.is_empty() {
                    restrictions.push(Restriction::Named(names));
                }
            }
            let not_eligible = any_phrase(&sentence, NOT_ELIGIBLE);
            let training_only = only
                && any_phrase(
                    &sentence,
                    &[
                        "training costs",
                        "frais de formation",
                        "costos de formacion",
                        "custos de formacao",
                    ],
                );
            if not_eligible || training_only {
                for (cost, stems) in [(Cost::Equipment, EQUIPMENT), (Cost::Licences, LICENCES)] {
                    if (training_only || any_stem(&sentence, stems))
                        && !excluded_costs.contains(&cost)
                    {
                        excluded_costs.push(cost);
                    }
                }
            }
        }

        let costs = [(Cost::Equipment, EQUIPMENT), (Cost::Licences, LICENCES)]
            .into_iter()
            .filter(|(_, stems)| any_stem(&folded, stems))
            .map(|(cost, _)| cost)
            .collect();
        let sector = if any_stem(&folded, PRIVATE) {
            Some(Sector::Private)
        } else if any_stem(&folded, PUBLIC) || any_stem(&folded, PUBLIC_BODY) {
            Some(Sector::Public)
        } else {
            None
        };
        let had_incident = any_phrase(&folded, HAD_INCIDENT);
        Self {
            terms,
            format,
            scales,
            restrictions,
            excluded_costs,
            costs,
            sector,
            had_incident,
            folded,
        }
    }

    /// Whether the words name `name` (folded, as a word).
    pub fn mentions(&self, name: &str) -> bool {
        let name: Vec<String> = words(name).collect();
        !name.is_empty() && self.folded.contains(&format!(" {} ", name.join(" ")))
    }
}

/// The sentences of `text`: each folded (space-separated, padded) beside its original.
fn sentences(text: &str) -> impl Iterator<Item = (String, &str)> {
    text.split(['.', '!', '?', ';', '\n', '۔'])
        .filter(|s| !s.trim().is_empty())
        .map(|original| {
            (
                format!(" {} ", words(original).collect::<Vec<_>>().join(" ")),
                original,
            )
        })
}

/// Names in a sentence as written: words with a capital after the first letter or in
/// capitals, or capitalised past the sentence's first word (CyberVault, SADC, MediSys).
fn proper_names(sentence: &str) -> Vec<String> {
    sentence
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
        .filter(|(i, word)| {
            let mut chars = word.chars();
            let first = chars.next().is_some_and(char::is_uppercase);
            let inner_capital = chars.any(char::is_uppercase);
            word.chars().count() >= 3 && (inner_capital || (first && *i > 0))
        })
        .map(|(_, word)| word.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Words of distinct stems, some of them the lexicon's (`backup`, `phishing`).
    const VOCABULARY: [&str; 16] = [
        "backup",
        "phishing",
        "hospital",
        "laboratory",
        "radiology",
        "firewall",
        "pharmacy",
        "clinicians",
        "ventilator",
        "telemetry",
        "encryption",
        "wardrobe",
        "procurement",
        "kilometre",
        "satellite",
        "tuberculosis",
    ];

    proptest! {
        /// The merge in hash order finds exactly the shared terms a plain lookup finds.
        #[test]
        fn the_similarity_is_the_cosine_of_the_shared_terms(
            first in proptest::collection::vec(0..VOCABULARY.len(), 0..24),
            second in proptest::collection::vec(0..VOCABULARY.len(), 0..24),
        ) {
            let text = |picks: &[usize]| -> String {
                picks.iter().map(|&i| VOCABULARY[i]).collect::<Vec<_>>().join(" ")
            };
            let (a, b) = (Terms::of("", &text(&first)), Terms::of("", &text(&second)));
            let theirs: HashMap<&str, f64> =
                b.terms.iter().map(|t| (t.text.as_str(), t.weight)).collect();
            let dot: f64 = a
                .terms
                .iter()
                .filter_map(|t| theirs.get(t.text.as_str()).map(|w| w * t.weight))
                .sum();
            let expected = (a.is_comparable() && b.is_comparable())
                .then(|| (dot / (a.norm * b.norm)).clamp(0.0, 1.0));
            match (a.similarity(&b), expected) {
                (Some(found), Some(expected)) => prop_assert!((found - expected).abs() < 1e-12),
                (found, expected) => prop_assert_eq!(found, expected),
            }
        }
    }

    #[test]
    fn the_same_concept_matches_across_languages() {
        let english = Terms::of("Backup and recovery", "Offline backups and tested restores");
        let french = Terms::of(
            "Sauvegardes",
            "Sauvegardes hors ligne et restauration testée",
        );
        let unrelated = Terms::of("Board training", "Cyber literacy for directors and boards");
        let similar = english.similarity(&french).unwrap();
        assert!(similar > 0.3, "{similar}");
        assert!(similar > english.similarity(&unrelated).unwrap());
    }

    #[test]
    fn too_little_text_is_not_compared() {
        let empty = Terms::of("", "");
        let some = Terms::of(
            "Incident response plan",
            "Playbooks for ransomware incidents",
        );
        assert_eq!(empty.similarity(&some), None);
        assert!(some.similarity(&some).unwrap() > 0.99);
    }

    #[test]
    fn formats_are_read_from_the_words() {
        let read = |t: &str| Reading::of(t, "").format;
        assert_eq!(read("Phishing awareness webinar (1 hour)"), Format::Brief);
        assert_eq!(read("A six-month mentored programme"), Format::Programme);
        assert_eq!(read("Programme de neuf mois"), Format::Programme);
        assert_eq!(read("Start your 30-day free trial"), Format::Pitch);
        assert_eq!(read("Five-day hands-on course"), Format::Course);
        assert_eq!(read("Donated licences"), Format::Unsaid);
    }

    #[test]
    fn restrictions_are_read_from_clear_sentences() {
        let private = Reading::of(
            "Co-financing",
            "Up to 50%. Eligibility: private hospitals only.",
        );
        assert_eq!(private.restrictions, [Restriction::PrivateOnly]);
        let after = Reading::of("Retainer", "Activated only after a confirmed incident.");
        assert_eq!(after.restrictions, [Restriction::AfterIncident]);
        let customers = Reading::of("Academy", "Training, exclusively for CyberVault customers.");
        assert_eq!(
            customers.restrictions,
            [Restriction::Named(vec!["CyberVault".into()])]
        );
        let free = Reading::of("Feed", "Free for public hospitals and ministries.");
        assert!(free.restrictions.is_empty());
        let costs = Reading::of(
            "Grants",
            "Equipment, hardware and licences are not eligible.",
        );
        assert_eq!(costs.excluded_costs, [Cost::Equipment, Cost::Licences]);
    }

    #[test]
    fn needs_say_who_they_are_and_what_happened() {
        let need = Reading::of(
            "Recovery",
            "Our public hospital was hit by ransomware in October.",
        );
        assert_eq!(need.sector, Some(Sector::Public));
        assert!(need.had_incident);
        let near_miss = Reading::of(
            "Backups",
            "After a near-miss with ransomware we want backups.",
        );
        assert!(!near_miss.had_incident);
        assert!(Reading::of("HIS", "We use MediSys HIS").mentions("MediSys"));
        assert!(Reading::of("", "Train-the-trainer in 12 cohorts").scales);
    }
}
