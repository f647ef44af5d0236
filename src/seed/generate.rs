//! The demo data set as values: a fixed list of organisations, and needs and offers built
//! from templates in the languages of their countries, picked by a seeded RNG so that every
//! run writes the same text (dates move with today, so that they stay valid). Pure: no I/O.
//!
//! Every hospital, agency, company, NGO, donor, university and person below is invented, so
//! that the demo never puts words in a real organisation's mouth. Ministries are named by
//! their country only because a country has one; nothing here was posted by any of them.

use chrono::{Days, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::accounts::model::OrganisationKind::{self, *};
use crate::catalogue::model::{
    DeliveryMode, NeedVisibility, OfferKind, OfferVisibility, Region, Urgency,
};
use crate::catalogue::validate::{NeedInput, OfferInput};

/// The seed of the demo: change it and every text changes.
pub const SEED: u64 = 20_261_124;

/// A language the templates are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
    Es,
    Pt,
    Ar,
    Sw,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Pt => "pt",
            Lang::Ar => "ar",
            Lang::Sw => "sw",
        }
    }
}

use Lang::*;

pub struct DemoOrganisation {
    /// Also the admin's email domain: `admin@<key>.example`.
    pub key: &'static str,
    pub name: &'static str,
    pub kind: OrganisationKind,
    pub country: &'static str,
    pub verified: bool,
    /// The first is the language it writes in most.
    pub languages: &'static [Lang],
    /// A city, as the organisation would write it.
    pub place: &'static str,
    pub currency: &'static str,
    pub admin_name: &'static str,
}

impl DemoOrganisation {
    pub fn admin_email(&self) -> String {
        format!("admin@{}.example", self.key)
    }
}

// One organisation per table row, read positionally like the table it is.
#[allow(clippy::too_many_arguments)]
const fn org(
    key: &'static str,
    name: &'static str,
    kind: OrganisationKind,
    country: &'static str,
    languages: &'static [Lang],
    place: &'static str,
    currency: &'static str,
    admin_name: &'static str,
) -> DemoOrganisation {
    DemoOrganisation {
        key,
        name,
        kind,
        country,
        verified: true,
        languages,
        place,
        currency,
        admin_name,
    }
}

const fn unverified(organisation: DemoOrganisation) -> DemoOrganisation {
    DemoOrganisation {
        verified: false,
        ..organisation
    }
}

/// The demo's organisations: every self-registrable kind, verified, on four continents, and a
/// few still waiting for verification.
pub static ORGANISATIONS: [DemoOrganisation; 42] = [
    org(
        "minsante-senegal",
        "Ministère de la Santé, Sénégal",
        Ministry,
        "SN",
        &[Fr],
        "Dakar",
        "XOF",
        "Awa Ndiaye",
    ),
    org(
        "misau-mocambique",
        "Ministério da Saúde, Moçambique",
        Ministry,
        "MZ",
        &[Pt],
        "Maputo",
        "MZN",
        "Lurdes Macuácua",
    ),
    org(
        "minsa-peru",
        "Ministerio de Salud, Perú",
        Ministry,
        "PE",
        &[Es],
        "Lima",
        "PEN",
        "Rosa Quispe",
    ),
    org(
        "wizara-afya-tanzania",
        "Wizara ya Afya, Tanzania",
        Ministry,
        "TZ",
        &[Sw, En],
        "Dodoma",
        "TZS",
        "Neema Mushi",
    ),
    org(
        "moh-jordan",
        "وزارة الصحة، الأردن",
        Ministry,
        "JO",
        &[Ar, En],
        "عمّان",
        "JOD",
        "Rania Haddad",
    ),
    org(
        "anis-cote-divoire",
        "Agence nationale de l'information sanitaire, Côte d'Ivoire",
        HealthAgency,
        "CI",
        &[Fr],
        "Abidjan",
        "XOF",
        "Koffi Kouassi",
    ),
    org(
        "nhda-ghana",
        "National Health Data Agency, Ghana",
        HealthAgency,
        "GH",
        &[En],
        "Accra",
        "GHS",
        "Kwame Asante",
    ),
    org(
        "insd-colombia",
        "Instituto Nacional de Salud Digital, Colombia",
        HealthAgency,
        "CO",
        &[Es],
        "Bogotá",
        "COP",
        "Camila Restrepo",
    ),
    org(
        "aesd-ceara",
        "Agência Estadual de Saúde Digital do Ceará",
        HealthAgency,
        "BR",
        &[Pt],
        "Fortaleza",
        "BRL",
        "Thiago Albuquerque",
    ),
    org(
        "nhra-egypt",
        "الهيئة الوطنية للسجلات الصحية، مصر",
        HealthAgency,
        "EG",
        &[Ar],
        "القاهرة",
        "EGP",
        "Mona Farouk",
    ),
    org(
        "riverside-nairobi",
        "Nairobi Riverside Referral Hospital",
        Hospital,
        "KE",
        &[En, Sw],
        "Nairobi",
        "KES",
        "Amina Otieno",
    ),
    org(
        "hr-ziguinchor-est",
        "Hôpital régional de Ziguinchor-Est",
        Hospital,
        "SN",
        &[Fr],
        "Ziguinchor",
        "XOF",
        "Moussa Diallo",
    ),
    org(
        "hg-nampula-norte",
        "Hospital Geral de Nampula-Norte",
        Hospital,
        "MZ",
        &[Pt],
        "Nampula",
        "MZN",
        "Célia Mondlane",
    ),
    org(
        "hr-arequipa-sur",
        "Hospital Regional Arequipa Sur",
        Hospital,
        "PE",
        &[Es],
        "Arequipa",
        "PEN",
        "Jorge Huamán",
    ),
    org(
        "alexandria-new-university",
        "مستشفى الإسكندرية الجامعي الجديد",
        Hospital,
        "EG",
        &[Ar],
        "الإسكندرية",
        "EGP",
        "Karim Mansour",
    ),
    org(
        "pwani-mashariki",
        "Hospitali ya Wilaya ya Pwani Mashariki",
        Hospital,
        "TZ",
        &[Sw],
        "Bagamoyo",
        "TZS",
        "Baraka Mwakyusa",
    ),
    org(
        "chu-sale-nord",
        "Centre hospitalier universitaire de Salé-Nord",
        Hospital,
        "MA",
        &[Fr, Ar],
        "Salé",
        "MAD",
        "Youssef El Amrani",
    ),
    org(
        "karnaphuli-general",
        "Karnaphuli General Hospital",
        Hospital,
        "BD",
        &[En],
        "Chattogram",
        "BDT",
        "Farhana Rahman",
    ),
    org(
        "san-rafael-altos",
        "Hospital San Rafael de los Altos",
        Hospital,
        "GT",
        &[Es],
        "Quetzaltenango",
        "GTQ",
        "Lucía Ajú",
    ),
    org(
        "kigali-hillside",
        "Kigali Hillside Teaching Hospital",
        Hospital,
        "RW",
        &[En, Fr],
        "Kigali",
        "RWF",
        "Jean-Paul Habimana",
    ),
    unverified(org(
        "clinique-palmiers",
        "Clinique Les Palmiers de Cotonou",
        Hospital,
        "BJ",
        &[Fr],
        "Cotonou",
        "XOF",
        "Rachida Adéyèmi",
    )),
    unverified(org(
        "amman-north",
        "مستشفى عمّان الشمالي",
        Hospital,
        "JO",
        &[Ar],
        "عمّان",
        "JOD",
        "Omar Khalil",
    )),
    org(
        "cybercare-alliance",
        "CyberCare Alliance for Health",
        Ngo,
        "CH",
        &[En, Fr],
        "Geneva",
        "CHF",
        "Léa Favre",
    ),
    org(
        "sante-numerique-sf",
        "Santé numérique sans frontières",
        Ngo,
        "FR",
        &[Fr],
        "Lyon",
        "EUR",
        "Hugo Lambert",
    ),
    org(
        "ciberescudo-salud",
        "Fundación Ciberescudo Salud",
        Ngo,
        "ES",
        &[Es],
        "Madrid",
        "EUR",
        "Marta Ibáñez",
    ),
    org(
        "pan-african-health-cert",
        "Pan-African Health CERT Network",
        Ngo,
        "RW",
        &[En, Fr],
        "Kigali",
        "USD",
        "Grace Uwimana",
    ),
    unverified(org(
        "open-hospital-security",
        "Open Hospital Security Collective",
        Ngo,
        "NL",
        &[En],
        "Utrecht",
        "EUR",
        "Daan de Vries",
    )),
    org(
        "meridian-secure",
        "Meridian Secure Systems",
        Company,
        "IE",
        &[En],
        "Dublin",
        "EUR",
        "Siobhan Walsh",
    ),
    org(
        "vaultline-backup",
        "Vaultline Backup Services",
        Company,
        "GB",
        &[En],
        "Leeds",
        "GBP",
        "Oliver Bennett",
    ),
    org(
        "seguranca-clinica",
        "Segurança Clínica Digital Ltda",
        Company,
        "BR",
        &[Pt],
        "São Paulo",
        "BRL",
        "Beatriz Carvalho",
    ),
    org(
        "meddevice-shield",
        "MedDevice Shield GmbH",
        Company,
        "DE",
        &[En],
        "Munich",
        "EUR",
        "Lukas Hoffmann",
    ),
    unverified(org(
        "secureward-analytics",
        "SecureWard Analytics",
        Company,
        "IN",
        &[En],
        "Pune",
        "INR",
        "Priya Kulkarni",
    )),
    org(
        "northbridge-fund",
        "Northbridge Health Security Fund",
        Donor,
        "US",
        &[En],
        "Boston",
        "USD",
        "Rachel Morgan",
    ),
    org(
        "nordic-resilience",
        "Nordic Digital Resilience Foundation",
        Donor,
        "NO",
        &[En],
        "Oslo",
        "NOK",
        "Ingrid Solberg",
    ),
    org(
        "fonds-francophone-cybersante",
        "Fonds francophone pour la cybersanté",
        Donor,
        "CA",
        &[Fr, En],
        "Montréal",
        "CAD",
        "Émilie Gagnon",
    ),
    org(
        "great-lakes-computing",
        "University of the Great Lakes, School of Computing",
        Academia,
        "UG",
        &[En],
        "Kampala",
        "UGX",
        "Samuel Okello",
    ),
    org(
        "utp-chile",
        "Universidad Técnica del Pacífico",
        Academia,
        "CL",
        &[Es],
        "Valparaíso",
        "CLP",
        "Felipe Rojas",
    ),
    org(
        "ip-dakar-ouest",
        "Institut polytechnique de Dakar-Ouest",
        Academia,
        "SN",
        &[Fr],
        "Dakar",
        "XOF",
        "Fatou Sarr",
    ),
    org(
        "univ-numerique-maghreb",
        "Université numérique du Maghreb",
        Academia,
        "TN",
        &[Fr, Ar],
        "Tunis",
        "TND",
        "Sami Ben Salah",
    ),
    org(
        "eahcrp",
        "East African Health Cyber Resilience Programme",
        Intergovernmental,
        "TZ",
        &[En, Sw],
        "Arusha",
        "USD",
        "Joseph Kimaro",
    ),
    org(
        "apac-health-security",
        "Asia-Pacific Health Security Partnership",
        Intergovernmental,
        "SG",
        &[En],
        "Singapore",
        "USD",
        "Wei Ling Tan",
    ),
    org(
        "red-ibero-salud-digital",
        "Red Iberoamericana de Salud Digital Segura",
        Intergovernmental,
        "UY",
        &[Es, Pt],
        "Montevideo",
        "USD",
        "Sofía Pereira",
    ),
];

/// The secretariat's demo coordinator; written last, so it also marks a finished seeding.
pub const COORDINATOR_EMAIL: &str = "coordinator@clearinghouse-demo.example";
pub const COORDINATOR_NAME: &str = "Demo Coordinator";
pub const SECRETARIAT_NAME: &str = "Clearing-house secretariat (demo)";

/// Text in the languages it exists in; `{n}` and `{place}` are filled in.
type Translations = &'static [(Lang, &'static str, &'static str)];

struct NeedTopic {
    themes: &'static [&'static str],
    quantity: (i64, i64),
    text: Translations,
}

static NEED_TOPICS: &[NeedTopic] = &[
    NeedTopic {
        themes: &["ransomware.backup_recovery", "incident_response.playbooks", "ransomware.business_continuity"],
        quantity: (2, 12),
        text: &[
            (En, "Recovery support after a ransomware attack in {place}", "Our hospital information system in {place} was encrypted by ransomware and {n} clinical services still run on paper. We need experienced responders to restore systems from backups, rebuild the directory safely and confirm that the attackers are gone."),
            (Fr, "Appui à la reprise après une attaque par rançongiciel à {place}", "Le système d'information hospitalier de {place} a été chiffré par un rançongiciel et {n} services cliniques fonctionnent encore sur papier. Nous cherchons des intervenants expérimentés pour restaurer les systèmes depuis les sauvegardes, reconstruire l'annuaire en sécurité et vérifier que les attaquants sont partis."),
            (Es, "Apoyo para recuperarse de un ataque de ransomware en {place}", "El sistema de información hospitalaria de {place} fue cifrado por un ransomware y {n} servicios clínicos siguen funcionando en papel. Buscamos especialistas con experiencia para restaurar los sistemas desde las copias de seguridad, reconstruir el directorio de forma segura y confirmar que los atacantes ya no están."),
            (Pt, "Apoio à recuperação após um ataque de ransomware em {place}", "O sistema de informação hospitalar de {place} foi cifrado por ransomware e {n} serviços clínicos ainda funcionam em papel. Procuramos especialistas experientes para restaurar os sistemas a partir das cópias de segurança, reconstruir o diretório com segurança e confirmar que os atacantes saíram."),
            (Ar, "دعم التعافي بعد هجوم ببرامج الفدية (ransomware) في {place}", "تعرّض نظام المعلومات في مستشفانا في {place} للتشفير ببرنامج فدية، وما زالت {n} خدمات سريرية تعمل على الورق. نحتاج إلى خبراء استجابة لاستعادة الأنظمة من النسخ الاحتياطية وإعادة بناء الخوادم بأمان والتأكد من خروج المهاجمين."),
            (Sw, "Msaada wa kurejesha mifumo baada ya shambulio la ransomware huko {place}", "Mfumo wa taarifa za hospitali yetu huko {place} ulifungwa na ransomware na huduma {n} za kliniki bado zinatumia karatasi. Tunahitaji wataalamu wenye uzoefu kurejesha mifumo kutoka kwenye nakala rudufu, kujenga upya seva kwa usalama na kuhakikisha washambuliaji wameondoka."),
        ],
    },
    NeedTopic {
        themes: &["clinical_systems.medical_devices", "infrastructure.network_segmentation"],
        quantity: (40, 900),
        text: &[
            (En, "Securing {n} connected medical devices in {place}", "We run about {n} networked infusion pumps, monitors and imaging devices on the same flat network as office computers. We need help to build an inventory, separate the device network and plan patches with the manufacturers."),
            (Fr, "Sécuriser {n} dispositifs médicaux connectés à {place}", "Environ {n} pompes à perfusion, moniteurs et appareils d'imagerie partagent le même réseau que les postes bureautiques. Nous avons besoin d'aide pour inventorier les dispositifs, cloisonner leur réseau et planifier les correctifs avec les fabricants."),
            (Es, "Proteger {n} dispositivos médicos conectados en {place}", "Tenemos unos {n} equipos de infusión, monitores y equipos de imagen en la misma red que los ordenadores administrativos. Necesitamos ayuda para inventariarlos, segmentar la red de dispositivos y planificar parches con los fabricantes."),
            (Pt, "Proteger {n} dispositivos médicos ligados à rede em {place}", "Temos cerca de {n} bombas de infusão, monitores e equipamentos de imagem na mesma rede que os computadores administrativos. Precisamos de ajuda para fazer o inventário, segmentar a rede dos dispositivos e planear atualizações com os fabricantes."),
            (Ar, "تأمين {n} من الأجهزة الطبية المتصلة بالشبكة في {place}", "لدينا نحو {n} من مضخات التسريب وأجهزة المراقبة والتصوير على الشبكة نفسها مع الحواسيب الإدارية. نحتاج إلى مساعدة في حصر الأجهزة وعزل شبكتها ووضع خطة للتحديثات مع المصنّعين."),
            (Sw, "Kulinda vifaa tiba {n} vilivyounganishwa kwenye mtandao huko {place}", "Tuna takriban pampu za dawa, vifaa vya kufuatilia wagonjwa na mashine za picha {n} kwenye mtandao mmoja na kompyuta za ofisi. Tunahitaji msaada kuorodhesha vifaa, kutenganisha mtandao wake na kupanga masasisho pamoja na watengenezaji."),
        ],
    },
    NeedTopic {
        themes: &["incident_response.csirt_setup", "information_sharing.threat_intelligence", "governance.national_strategy"],
        quantity: (4, 20),
        text: &[
            (En, "Setting up a health-sector CSIRT with {n} analysts", "The national health sector has no team that receives and handles cyber incidents. We want to set up a health CSIRT with {n} analysts: mandate, procedures, tooling, and links with the national CERT and peers abroad."),
            (Fr, "Création d'un CSIRT santé avec {n} analystes", "Le secteur de la santé n'a pas d'équipe pour recevoir et traiter les incidents cyber. Nous voulons créer un CSIRT santé de {n} analystes : mandat, procédures, outils et liens avec le CERT national et les homologues étrangers."),
            (Es, "Creación de un CSIRT del sector salud con {n} analistas", "El sector salud no cuenta con un equipo que reciba y gestione incidentes. Queremos crear un CSIRT de salud con {n} analistas: mandato, procedimientos, herramientas y enlaces con el CERT nacional y equipos de otros países."),
            (Pt, "Criação de uma CSIRT da saúde com {n} analistas", "O setor da saúde não tem uma equipa que receba e trate incidentes de cibersegurança. Queremos criar uma CSIRT da saúde com {n} analistas: mandato, procedimentos, ferramentas e ligações com o CERT nacional e equipas de outros países."),
            (Ar, "إنشاء فريق استجابة لحوادث الأمن السيبراني (CSIRT) للقطاع الصحي يضم {n} محللين", "لا يوجد في القطاع الصحي فريق يتلقى الحوادث السيبرانية ويعالجها. نريد إنشاء فريق استجابة صحي يضم {n} محللين: التفويض والإجراءات والأدوات والتنسيق مع الفريق الوطني ونظرائه في الخارج."),
            (Sw, "Kuanzisha timu ya CSIRT ya sekta ya afya yenye wachambuzi {n}", "Sekta ya afya haina timu inayopokea na kushughulikia matukio ya usalama wa mtandao. Tunataka kuanzisha CSIRT ya afya yenye wachambuzi {n}: mamlaka, taratibu, zana na uhusiano na CERT ya taifa na wenzetu wa nje."),
        ],
    },
    NeedTopic {
        themes: &["workforce.awareness"],
        quantity: (100, 3000),
        text: &[
            (En, "Phishing awareness training for {n} clinical and administrative staff", "Most incidents we see start with a phishing email opened on a ward computer. We want an awareness programme for {n} nurses, doctors and administrative staff, short enough to fit between shifts, with simulated phishing to measure progress."),
            (Fr, "Sensibilisation à l'hameçonnage pour {n} agents soignants et administratifs", "La plupart de nos incidents commencent par un courriel d'hameçonnage ouvert sur un poste de service. Nous voulons un programme de sensibilisation pour {n} infirmiers, médecins et agents administratifs, assez court pour tenir entre deux gardes, avec des campagnes simulées pour mesurer les progrès."),
            (Es, "Capacitación contra el phishing para {n} trabajadores clínicos y administrativos", "La mayoría de los incidentes empiezan con un correo de phishing abierto en un ordenador de planta. Queremos un programa de concienciación para {n} enfermeras, médicos y personal administrativo, breve para encajar entre turnos, con simulaciones para medir el avance."),
            (Pt, "Formação de sensibilização para phishing para {n} profissionais clínicos e administrativos", "A maioria dos incidentes começa com um e-mail de phishing aberto num computador de enfermaria. Queremos um programa de sensibilização para {n} enfermeiros, médicos e administrativos, curto para caber entre turnos, com simulações para medir o progresso."),
            (Ar, "توعية {n} من الكوادر الطبية والإدارية بمخاطر التصيّد الاحتيالي", "تبدأ معظم الحوادث لدينا برسالة تصيّد تُفتح على حاسوب في أحد الأقسام. نريد برنامج توعية لـ {n} من الممرضين والأطباء والإداريين، قصيراً يناسب نوبات العمل، مع حملات تصيّد تجريبية لقياس التقدم."),
            (Sw, "Mafunzo ya uelewa kuhusu barua pepe za ulaghai kwa wafanyakazi {n}", "Matukio mengi tunayoona huanza na barua pepe ya ulaghai iliyofunguliwa kwenye kompyuta ya wodini. Tunataka programu ya uelewa kwa wauguzi, madaktari na watumishi wa utawala {n}, fupi ili iingie kati ya zamu, pamoja na majaribio ya kupima maendeleo."),
        ],
    },
    NeedTopic {
        themes: &["workforce.it_staff_training", "incident_response.playbooks"],
        quantity: (6, 40),
        text: &[
            (En, "Incident-response training for {n} hospital IT staff", "Our IT team of {n} people keeps systems running but has never handled a security incident. We need hands-on training in detection, triage, containment and evidence handling, ideally with exercises on systems like ours."),
            (Fr, "Formation à la réponse aux incidents pour {n} informaticiens hospitaliers", "Notre équipe informatique de {n} personnes fait tourner les systèmes mais n'a jamais traité d'incident de sécurité. Nous cherchons une formation pratique à la détection, au tri, au confinement et à la conservation des preuves, idéalement sur des systèmes proches des nôtres."),
            (Es, "Formación en respuesta a incidentes para {n} técnicos de informática hospitalaria", "Nuestro equipo de {n} técnicos mantiene los sistemas pero nunca ha gestionado un incidente de seguridad. Necesitamos formación práctica en detección, clasificación, contención y manejo de evidencias, idealmente con ejercicios sobre sistemas como los nuestros."),
            (Pt, "Formação em resposta a incidentes para {n} técnicos de informática hospitalar", "A nossa equipa de {n} técnicos mantém os sistemas a funcionar mas nunca tratou um incidente de segurança. Precisamos de formação prática em deteção, triagem, contenção e tratamento de provas, de preferência com exercícios em sistemas semelhantes aos nossos."),
            (Ar, "تدريب {n} من موظفي تقنية المعلومات في المستشفى على الاستجابة للحوادث", "يحافظ فريقنا المؤلف من {n} أشخاص على تشغيل الأنظمة لكنه لم يتعامل قط مع حادث أمني. نحتاج إلى تدريب عملي على الكشف والفرز والاحتواء وحفظ الأدلة، ويفضّل أن يكون على أنظمة مشابهة لأنظمتنا."),
            (Sw, "Mafunzo ya kukabiliana na matukio ya usalama kwa wataalamu {n} wa TEHAMA wa hospitali", "Timu yetu ya TEHAMA ya watu {n} huendesha mifumo lakini haijawahi kushughulikia tukio la usalama. Tunahitaji mafunzo ya vitendo kuhusu kugundua, kuchambua, kudhibiti na kuhifadhi ushahidi, ikiwezekana kwa mazoezi kwenye mifumo kama yetu."),
        ],
    },
    NeedTopic {
        themes: &["ransomware.backup_recovery", "ransomware.readiness"],
        quantity: (3, 60),
        text: &[
            (En, "Offline backups and restore testing for {n} servers", "Our backups sit on the same network as the systems they protect and have never been restored in a test. We need offline or immutable backups for {n} servers, a restore plan with recovery times agreed with clinicians, and a first full restore test."),
            (Fr, "Sauvegardes hors ligne et tests de restauration pour {n} serveurs", "Nos sauvegardes sont sur le même réseau que les systèmes qu'elles protègent et n'ont jamais été restaurées lors d'un test. Il nous faut des sauvegardes hors ligne ou immuables pour {n} serveurs, un plan de restauration avec des délais validés par les cliniciens, et un premier test complet."),
            (Es, "Copias de seguridad fuera de línea y pruebas de restauración para {n} servidores", "Nuestras copias de seguridad están en la misma red que los sistemas que protegen y nunca se han restaurado en una prueba. Necesitamos copias fuera de línea o inmutables para {n} servidores, un plan de restauración con tiempos acordados con el personal clínico y una primera prueba completa."),
            (Pt, "Cópias de segurança offline e testes de reposição para {n} servidores", "As nossas cópias de segurança estão na mesma rede que os sistemas que protegem e nunca foram repostas num teste. Precisamos de cópias offline ou imutáveis para {n} servidores, de um plano de reposição com tempos acordados com os clínicos e de um primeiro teste completo."),
            (Ar, "نسخ احتياطية غير متصلة واختبارات استعادة لـ {n} من الخوادم", "نسخنا الاحتياطية موجودة على الشبكة نفسها مع الأنظمة التي تحميها ولم تُستعد قط في اختبار. نحتاج إلى نسخ احتياطية غير متصلة أو غير قابلة للتعديل لـ {n} من الخوادم، وخطة استعادة بأوقات متفق عليها مع الأطباء، وأول اختبار استعادة كامل."),
            (Sw, "Nakala rudufu zisizo mtandaoni na majaribio ya kurejesha kwa seva {n}", "Nakala zetu rudufu ziko kwenye mtandao mmoja na mifumo zinazoilinda na hazijawahi kurejeshwa kwa majaribio. Tunahitaji nakala rudufu zisizo mtandaoni kwa seva {n}, mpango wa kurejesha wenye muda uliokubaliwa na madaktari, na jaribio la kwanza kamili."),
        ],
    },
    NeedTopic {
        themes: &["exercises.tabletop", "workforce.leadership", "ransomware.business_continuity"],
        quantity: (10, 40),
        text: &[
            (En, "Ransomware tabletop exercise for {n} hospital leaders", "Our board and heads of department have never rehearsed a major cyber incident. We would like a facilitated tabletop exercise for {n} participants, built on a realistic ransomware scenario, followed by a short report with priorities."),
            (Fr, "Exercice sur table « rançongiciel » pour {n} responsables hospitaliers", "Notre direction et nos chefs de service n'ont jamais répété la gestion d'une crise cyber. Nous souhaitons un exercice sur table animé pour {n} participants, fondé sur un scénario réaliste de rançongiciel, suivi d'un court rapport de priorités."),
            (Es, "Ejercicio de mesa sobre ransomware para {n} directivos hospitalarios", "Nuestra dirección y jefes de servicio nunca han ensayado un incidente cibernético grave. Queremos un ejercicio de mesa facilitado para {n} participantes, con un escenario realista de ransomware y un breve informe de prioridades."),
            (Pt, "Exercício de mesa sobre ransomware para {n} dirigentes hospitalares", "A nossa administração e os diretores de serviço nunca ensaiaram um incidente grave. Gostaríamos de um exercício de mesa facilitado para {n} participantes, com um cenário realista de ransomware e um breve relatório de prioridades."),
            (Ar, "تمرين محاكاة نظري لهجوم برامج الفدية لـ {n} من قيادات المستشفى", "لم يسبق لمجلس الإدارة ورؤساء الأقسام أن تدرّبوا على حادث سيبراني كبير. نرغب في تمرين محاكاة يديره ميسّر لـ {n} مشاركين، مبني على سيناريو واقعي لبرامج الفدية، يتبعه تقرير قصير بالأولويات."),
            (Sw, "Zoezi la mezani kuhusu ransomware kwa viongozi {n} wa hospitali", "Bodi yetu na wakuu wa idara hawajawahi kufanya mazoezi ya tukio kubwa la mtandao. Tungependa zoezi la mezani linaloongozwa kwa washiriki {n}, lenye hali halisi ya ransomware, na ripoti fupi ya vipaumbele."),
        ],
    },
    NeedTopic {
        themes: &["clinical_systems.ehr", "infrastructure.identity_access"],
        quantity: (200, 5000),
        text: &[
            (En, "Securing our electronic health record for {n} users", "We are rolling out an electronic health record to {n} users across our facilities in {place}. We need advice on access rights, multi-factor authentication for remote access, audit logging and a security review before go-live."),
            (Fr, "Sécuriser le dossier patient informatisé pour {n} utilisateurs", "Nous déployons un dossier patient informatisé auprès de {n} utilisateurs dans nos établissements de {place}. Nous avons besoin de conseils sur les droits d'accès, l'authentification multifacteur pour l'accès distant, la journalisation et d'une revue de sécurité avant la mise en service."),
            (Es, "Seguridad de la historia clínica electrónica para {n} usuarios", "Estamos implantando una historia clínica electrónica para {n} usuarios en nuestros centros de {place}. Necesitamos asesoría sobre permisos, autenticación multifactor para el acceso remoto, registros de auditoría y una revisión de seguridad antes de la puesta en marcha."),
            (Pt, "Segurança do registo de saúde eletrónico para {n} utilizadores", "Estamos a implementar um registo de saúde eletrónico para {n} utilizadores nas nossas unidades de {place}. Precisamos de apoio sobre permissões, autenticação multifator para acesso remoto, registos de auditoria e uma revisão de segurança antes do arranque."),
            (Ar, "تأمين السجل الصحي الإلكتروني لـ {n} مستخدم", "نعمل على تشغيل سجل صحي إلكتروني لـ {n} مستخدم في منشآتنا في {place}. نحتاج إلى مشورة بشأن صلاحيات الوصول والمصادقة متعددة العوامل للوصول عن بُعد وسجلات التدقيق، ومراجعة أمنية قبل التشغيل."),
            (Sw, "Kulinda mfumo wa kumbukumbu za afya za kielektroniki kwa watumiaji {n}", "Tunaanzisha mfumo wa kumbukumbu za afya za kielektroniki kwa watumiaji {n} katika vituo vyetu vya {place}. Tunahitaji ushauri kuhusu ruhusa za kuingia, uthibitishaji wa hatua mbili kwa kuingia kwa mbali, kumbukumbu za ukaguzi na ukaguzi wa usalama kabla ya kuanza."),
        ],
    },
    NeedTopic {
        themes: &["exercises.risk_assessment", "governance.risk_management"],
        quantity: (1, 30),
        text: &[
            (En, "Cyber maturity assessment of {n} health facilities", "Before we ask for funding we need to know where we stand. We are looking for a structured cyber risk and maturity assessment of {n} facilities, with findings ranked so that management can decide what to fix first."),
            (Fr, "Évaluation de la maturité cyber de {n} établissements de santé", "Avant de chercher des financements, nous devons savoir où nous en sommes. Nous cherchons une évaluation structurée des risques et de la maturité cyber de {n} établissements, avec des constats hiérarchisés pour que la direction décide des priorités."),
            (Es, "Evaluación de madurez en ciberseguridad de {n} establecimientos de salud", "Antes de pedir financiación necesitamos saber dónde estamos. Buscamos una evaluación estructurada de riesgos y madurez de {n} establecimientos, con hallazgos priorizados para que la dirección decida qué corregir primero."),
            (Pt, "Avaliação da maturidade em cibersegurança de {n} unidades de saúde", "Antes de pedir financiamento precisamos de saber onde estamos. Procuramos uma avaliação estruturada de riscos e maturidade de {n} unidades, com conclusões ordenadas para que a direção decida o que corrigir primeiro."),
            (Ar, "تقييم النضج السيبراني لـ {n} من المنشآت الصحية", "قبل طلب التمويل نحتاج إلى معرفة وضعنا الحالي. نبحث عن تقييم منظم للمخاطر والنضج السيبراني لـ {n} منشآت، مع ترتيب النتائج حسب الأولوية لتقرر الإدارة ما يُعالج أولاً."),
            (Sw, "Tathmini ya ukomavu wa usalama wa mtandao kwa vituo {n} vya afya", "Kabla ya kuomba ufadhili tunahitaji kujua tulipo. Tunatafuta tathmini iliyopangwa ya hatari na ukomavu wa usalama wa mtandao kwa vituo {n}, yenye matokeo yaliyopangwa kwa kipaumbele ili uongozi uamue cha kurekebisha kwanza."),
        ],
    },
    NeedTopic {
        themes: &["governance.national_strategy", "governance.regulation"],
        quantity: (5, 30),
        text: &[
            (En, "Drafting a health-sector cybersecurity strategy with {n} officials", "The ministry has been asked to produce a cybersecurity plan for health and the rules hospitals must follow. We need advisers to work with {n} officials on the strategy, minimum security requirements and a realistic implementation roadmap."),
            (Fr, "Élaboration d'une stratégie de cybersécurité en santé avec {n} cadres", "Le ministère doit produire un plan de cybersécurité pour la santé et les règles que les hôpitaux devront suivre. Nous cherchons des conseillers pour travailler avec {n} cadres sur la stratégie, les exigences minimales de sécurité et une feuille de route réaliste."),
            (Es, "Elaboración de una estrategia de ciberseguridad en salud con {n} funcionarios", "El ministerio debe preparar un plan de ciberseguridad para la salud y las normas que deberán seguir los hospitales. Necesitamos asesores que trabajen con {n} funcionarios en la estrategia, los requisitos mínimos de seguridad y una hoja de ruta realista."),
            (Pt, "Elaboração de uma estratégia de cibersegurança na saúde com {n} técnicos", "O ministério tem de preparar um plano de cibersegurança para a saúde e as regras que os hospitais deverão cumprir. Precisamos de consultores para trabalhar com {n} técnicos na estratégia, nos requisitos mínimos de segurança e num roteiro de implementação realista."),
            (Ar, "إعداد استراتيجية للأمن السيبراني في القطاع الصحي مع {n} من المسؤولين", "طُلب من الوزارة إعداد خطة للأمن السيبراني في القطاع الصحي والقواعد التي يجب أن تلتزم بها المستشفيات. نحتاج إلى مستشارين يعملون مع {n} من المسؤولين على الاستراتيجية والحد الأدنى من متطلبات الأمن وخارطة طريق واقعية للتنفيذ."),
            (Sw, "Kuandaa mkakati wa usalama wa mtandao wa sekta ya afya pamoja na maafisa {n}", "Wizara imetakiwa kuandaa mpango wa usalama wa mtandao kwa sekta ya afya na kanuni ambazo hospitali zitafuata. Tunahitaji washauri kufanya kazi na maafisa {n} kuhusu mkakati, mahitaji ya chini ya usalama na ramani halisi ya utekelezaji."),
        ],
    },
];

/// Sentences that give a need its circumstances; one is added to each description.
static NEED_CONTEXT: &[(Lang, &[&str])] = &[
    (En, &["Our IT team is small and already stretched by daily operations.", "A recent incident at a neighbouring facility made this a priority for our leadership.", "Connectivity outside the capital is unreliable, so part of the work must function offline.", "We can fund equipment but have no budget for external experts."]),
    (Fr, &["Notre équipe informatique est réduite et déjà très sollicitée.", "Un incident récent dans un établissement voisin en a fait une priorité pour la direction.", "La connexion est instable hors de la capitale : une partie du travail doit fonctionner hors ligne.", "Nous pouvons financer du matériel mais pas d'experts extérieurs."]),
    (Es, &["Nuestro equipo de informática es pequeño y ya está desbordado.", "Un incidente reciente en un centro vecino lo convirtió en prioridad para la dirección.", "La conectividad fuera de la capital es inestable, así que parte del trabajo debe funcionar sin conexión.", "Podemos financiar equipos pero no contamos con presupuesto para expertos externos."]),
    (Pt, &["A nossa equipa de informática é pequena e já está sobrecarregada.", "Um incidente recente numa unidade vizinha tornou isto uma prioridade para a direção.", "A ligação à internet fora da capital é instável, pelo que parte do trabalho tem de funcionar offline.", "Podemos financiar equipamento mas não temos orçamento para peritos externos."]),
    (Ar, &["فريق تقنية المعلومات لدينا صغير ومثقل بالعمل اليومي.", "جعل حادث وقع مؤخراً في منشأة مجاورة هذا الأمر أولوية لدى الإدارة.", "الاتصال بالإنترنت خارج العاصمة غير مستقر، لذا يجب أن يعمل جزء من العمل دون اتصال.", "يمكننا تمويل المعدات لكن لا توجد ميزانية لخبراء من الخارج."]),
    (Sw, &["Timu yetu ya TEHAMA ni ndogo na tayari imezidiwa na kazi za kila siku.", "Tukio la hivi karibuni katika kituo jirani limefanya jambo hili kuwa kipaumbele kwa uongozi.", "Mtandao nje ya mji mkuu si wa uhakika, hivyo sehemu ya kazi lazima ifanye kazi bila mtandao.", "Tunaweza kugharamia vifaa lakini hatuna bajeti ya wataalamu wa nje."]),
];

/// Sentences about how the help should come; one is added to each description.
static NEED_CONSTRAINT: &[(Lang, &[&str])] = &[
    (En, &["Sessions must fit around clinical shifts.", "Materials should remain usable by our staff after the engagement ends.", "We can host visiting experts and provide a training room.", "Remote work must respect national rules on patient data."]),
    (Fr, &["Les séances doivent s'adapter aux gardes cliniques.", "Les supports doivent rester utilisables par nos équipes après la mission.", "Nous pouvons accueillir des experts et fournir une salle de formation.", "Tout travail à distance doit respecter les règles nationales sur les données de santé."]),
    (Es, &["Las sesiones deben adaptarse a los turnos clínicos.", "Los materiales deben seguir siendo útiles para nuestro personal al terminar el apoyo.", "Podemos recibir a expertos y ofrecer una sala de formación.", "El trabajo a distancia debe respetar la normativa nacional sobre datos de pacientes."]),
    (Pt, &["As sessões têm de se adaptar aos turnos clínicos.", "Os materiais devem continuar utilizáveis pela nossa equipa depois do apoio.", "Podemos receber peritos e disponibilizar uma sala de formação.", "O trabalho remoto tem de respeitar as regras nacionais sobre dados de doentes."]),
    (Ar, &["يجب أن تتناسب الجلسات مع نوبات العمل السريري.", "يجب أن تبقى المواد قابلة للاستخدام من قبل موظفينا بعد انتهاء المهمة.", "يمكننا استضافة الخبراء وتوفير قاعة للتدريب.", "يجب أن يحترم أي عمل عن بُعد القواعد الوطنية لبيانات المرضى."]),
    (Sw, &["Vipindi vinapaswa kuendana na zamu za kliniki.", "Nyenzo zibaki zikitumika na wafanyakazi wetu baada ya kazi kumalizika.", "Tunaweza kuwapokea wataalamu na kutoa chumba cha mafunzo.", "Kazi ya mbali lazima iheshimu sheria za taifa kuhusu data za wagonjwa."]),
];

struct OfferTemplate {
    kind: OfferKind,
    themes: &'static [&'static str],
    capacity: (i64, i64),
    text: Translations,
}

static OFFER_TEMPLATES: &[OfferTemplate] = &[
    OfferTemplate {
        kind: OfferKind::Training,
        themes: &["workforce.it_staff_training", "incident_response.playbooks"],
        capacity: (10, 60),
        text: &[
            (En, "Incident-response bootcamp for hospital IT teams ({n} seats)", "A five-day hands-on course for hospital and ministry IT staff: log analysis, triage, containment and recovery, practised on a simulated hospital network. {n} seats per cohort."),
            (Fr, "Formation intensive à la réponse aux incidents pour les équipes informatiques hospitalières ({n} places)", "Un cours pratique de cinq jours pour les informaticiens des hôpitaux et des ministères : analyse de journaux, tri, confinement et reprise, sur un réseau hospitalier simulé. {n} places par session."),
            (Es, "Curso intensivo de respuesta a incidentes para equipos de informática hospitalaria ({n} plazas)", "Un curso práctico de cinco días para técnicos de hospitales y ministerios: análisis de registros, clasificación, contención y recuperación sobre una red hospitalaria simulada. {n} plazas por edición."),
            (Pt, "Curso intensivo de resposta a incidentes para equipas de informática hospitalar ({n} vagas)", "Um curso prático de cinco dias para técnicos de hospitais e ministérios: análise de registos, triagem, contenção e recuperação numa rede hospitalar simulada. {n} vagas por turma."),
        ],
    },
    OfferTemplate {
        kind: OfferKind::Exercise,
        themes: &["exercises.tabletop", "ransomware.readiness", "workforce.leadership"],
        capacity: (2, 20),
        text: &[
            (En, "Ransomware tabletop exercises for hospital leadership", "We design and facilitate a half-day tabletop exercise on a ransomware scenario tailored to your hospital, then deliver a short after-action report. Up to {n} exercises this year."),
            (Fr, "Exercices sur table « rançongiciel » pour les directions hospitalières", "Nous concevons et animons un exercice sur table d'une demi-journée sur un scénario de rançongiciel adapté à votre établissement, suivi d'un court retour d'expérience. Jusqu'à {n} exercices cette année."),
            (Es, "Ejercicios de mesa sobre ransomware para directivos hospitalarios", "Diseñamos y facilitamos un ejercicio de mesa de medio día con un escenario de ransomware adaptado a su hospital y entregamos un breve informe de lecciones aprendidas. Hasta {n} ejercicios este año."),
            (Ar, "تمارين محاكاة نظرية لبرامج الفدية لقيادات المستشفيات", "نصمم ونيسّر تمرين محاكاة لمدة نصف يوم على سيناريو برامج فدية مصمم لمستشفاكم، ثم نقدّم تقريراً موجزاً بالدروس المستفادة. حتى {n} تمارين هذا العام."),
        ],
    },
    OfferTemplate {
        kind: OfferKind::Assessment,
        themes: &["exercises.risk_assessment", "governance.risk_management"],
        capacity: (2, 15),
        text: &[
            (En, "Cyber maturity assessment for health facilities", "A two-week assessment against a health-specific maturity model: interviews, configuration review and a prioritised improvement plan that management can act on. Capacity for {n} facilities."),
            (Fr, "Évaluation de la maturité cyber des établissements de santé", "Une évaluation de deux semaines fondée sur un modèle de maturité propre à la santé : entretiens, revue des configurations et plan d'amélioration priorisé. Capacité de {n} établissements."),
            (Pt, "Avaliação de maturidade em cibersegurança para unidades de saúde", "Uma avaliação de duas semanas com um modelo de maturidade próprio da saúde: entrevistas, revisão de configurações e um plano de melhoria priorizado. Capacidade para {n} unidades."),
            (Es, "Evaluación de madurez en ciberseguridad para establecimientos de salud", "Una evaluación de dos semanas con un modelo de madurez específico para salud: entrevistas, revisión de configuraciones y un plan de mejora priorizado. Capacidad para {n} establecimientos."),
        ],
    },
    OfferTemplate {
        kind: OfferKind::ExpertSupport,
        themes: &["incident_response.forensics", "incident_response.playbooks", "ransomware.backup_recovery"],
        capacity: (1, 10),
        text: &[
            (En, "On-call incident responders for health institutions", "Experienced responders available remotely within 24 hours of a serious incident, and on site when travel allows: forensics, containment and guided recovery. {n} engagements available."),
            (Fr, "Intervenants d'astreinte pour les établissements de santé", "Des intervenants expérimentés disponibles à distance sous 24 heures après un incident grave, et sur place quand c'est possible : investigation, confinement et reprise accompagnée. {n} interventions disponibles."),
            (Es, "Especialistas de guardia en respuesta a incidentes para instituciones de salud", "Especialistas con experiencia disponibles a distancia en 24 horas tras un incidente grave, y en sitio cuando sea posible: análisis forense, contención y recuperación guiada. {n} intervenciones disponibles."),
            (Ar, "خبراء استجابة للحوادث عند الطلب للمؤسسات الصحية", "خبراء متمرسون متاحون عن بُعد خلال 24 ساعة من وقوع حادث خطير، وفي الموقع عند الإمكان: التحليل الجنائي والاحتواء والتعافي الموجّه. {n} مهام متاحة."),
        ],
    },
    OfferTemplate {
        kind: OfferKind::Tooling,
        themes: &["ransomware.backup_recovery", "ransomware.readiness"],
        capacity: (5, 40),
        text: &[
            (En, "Immutable backup appliances with restore testing", "Donated backup appliances with immutable storage, installed with your team, plus a quarterly restore test for the first year. {n} appliances available."),
            (Pt, "Equipamentos de cópia de segurança imutável com testes de reposição", "Equipamentos de cópia de segurança com armazenamento imutável, instalados com a sua equipa, e um teste de reposição trimestral no primeiro ano. {n} equipamentos disponíveis."),
            (Fr, "Boîtiers de sauvegarde immuable et tests de restauration", "Des boîtiers de sauvegarde à stockage immuable, installés avec votre équipe, et un test de restauration trimestriel la première année. {n} boîtiers disponibles."),
        ],
    },
    OfferTemplate {
        kind: OfferKind::Tooling,
        themes: &["clinical_systems.medical_devices", "infrastructure.network_segmentation"],
        capacity: (3, 25),
        text: &[
            (En, "Medical-device inventory and network monitoring", "Passive discovery of connected medical devices, risk scoring, and monitoring of the device network, licensed free of charge for three years with onboarding support. {n} hospital licences."),
            (Es, "Inventario de dispositivos médicos y monitorización de la red", "Descubrimiento pasivo de dispositivos médicos conectados, valoración de riesgos y monitorización de la red de dispositivos, con licencia gratuita por tres años y acompañamiento. {n} licencias hospitalarias."),
            (Pt, "Inventário de dispositivos médicos e monitorização da rede", "Descoberta passiva de dispositivos médicos ligados, classificação de risco e monitorização da rede de dispositivos, com licença gratuita por três anos e apoio na instalação. {n} licenças hospitalares."),
        ],
    },
    OfferTemplate {
        kind: OfferKind::Funding,
        themes: &["funding.grants", "ransomware.readiness", "ransomware.backup_recovery"],
        capacity: (3, 30),
        text: &[
            (En, "Grants for hospital cybersecurity improvements", "Grants for public hospitals and health agencies to fund backups, network segmentation, training or expert support. {n} grants in this round; a short application, reviewed within six weeks."),
            (Fr, "Subventions pour renforcer la cybersécurité des hôpitaux", "Des subventions pour les hôpitaux publics et les agences de santé : sauvegardes, cloisonnement des réseaux, formation ou expertise. {n} subventions dans cet appel ; un dossier court, examiné en six semaines."),
            (Es, "Subvenciones para mejorar la ciberseguridad hospitalaria", "Subvenciones para hospitales públicos y agencias de salud: copias de seguridad, segmentación de redes, formación o apoyo experto. {n} subvenciones en esta convocatoria; solicitud breve, revisada en seis semanas."),
            (Pt, "Subsídios para melhorar a cibersegurança hospitalar", "Subsídios para hospitais públicos e agências de saúde: cópias de segurança, segmentação de redes, formação ou apoio especializado. {n} subsídios nesta chamada; candidatura curta, avaliada em seis semanas."),
        ],
    },
    OfferTemplate {
        kind: OfferKind::ExpertSupport,
        themes: &["incident_response.csirt_setup", "information_sharing.isac"],
        capacity: (1, 8),
        text: &[
            (En, "Mentoring for a new health-sector CSIRT", "A year of mentoring by an established CSIRT: mandate and services, ticketing and tooling, staff exchanges, and introductions to information-sharing communities. Room for {n} teams."),
            (Fr, "Accompagnement d'un nouveau CSIRT santé", "Une année d'accompagnement par un CSIRT établi : mandat et services, outils de suivi, échanges de personnel et mise en relation avec les communautés de partage d'information. Place pour {n} équipes."),
            (Ar, "إرشاد فرق الاستجابة الجديدة للحوادث في القطاع الصحي", "عام من الإرشاد من فريق استجابة راسخ: التفويض والخدمات وأدوات المتابعة وتبادل الموظفين والتعريف بمجتمعات تبادل المعلومات. متسع لـ {n} فرق."),
        ],
    },
    OfferTemplate {
        kind: OfferKind::Training,
        themes: &["workforce.awareness"],
        capacity: (200, 5000),
        text: &[
            (En, "Phishing awareness programme for clinical staff", "Short e-learning modules written for nurses and doctors, available offline, with simulated phishing campaigns and monthly reports. Licences for {n} staff."),
            (Fr, "Programme de sensibilisation à l'hameçonnage pour le personnel soignant", "De courts modules en ligne écrits pour les infirmiers et les médecins, utilisables hors ligne, avec des campagnes simulées et un bilan mensuel. Licences pour {n} agents."),
            (Es, "Programa de concienciación sobre phishing para personal clínico", "Módulos breves pensados para enfermería y medicina, disponibles sin conexión, con campañas simuladas e informes mensuales. Licencias para {n} trabajadores."),
            (Pt, "Programa de sensibilização para phishing para profissionais de saúde", "Módulos curtos escritos para enfermeiros e médicos, disponíveis offline, com campanhas simuladas e relatórios mensais. Licenças para {n} profissionais."),
        ],
    },
    OfferTemplate {
        kind: OfferKind::ExpertSupport,
        themes: &["governance.national_strategy", "governance.regulation"],
        capacity: (1, 6),
        text: &[
            (En, "Policy advisers for a national health cybersecurity strategy", "Senior advisers who have written health-sector cyber strategies and regulations work alongside ministry officials for up to six months. {n} placements available."),
            (Fr, "Conseillers pour une stratégie nationale de cybersécurité en santé", "Des conseillers expérimentés, auteurs de stratégies et de réglementations cyber pour la santé, travaillent aux côtés des cadres du ministère jusqu'à six mois. {n} missions disponibles."),
            (Es, "Asesores para una estrategia nacional de ciberseguridad en salud", "Asesores con experiencia en estrategias y normas de ciberseguridad para la salud trabajan junto a los funcionarios del ministerio hasta seis meses. {n} asignaciones disponibles."),
        ],
    },
];

/// One sentence that tells offers apart; one is added to each description.
static OFFER_EXTRA: &[(Lang, &[&str])] = &[
    (
        En,
        &[
            "Priority goes to low- and middle-income countries.",
            "Materials are released under an open licence.",
            "Includes three months of follow-up coaching.",
            "Delivered by practitioners who have handled hospital incidents.",
        ],
    ),
    (
        Fr,
        &[
            "Priorité aux pays à revenu faible ou intermédiaire.",
            "Les supports sont publiés sous licence libre.",
            "Comprend trois mois de suivi.",
            "Animé par des praticiens qui ont géré des incidents hospitaliers.",
        ],
    ),
    (
        Es,
        &[
            "Prioridad para países de ingresos bajos y medianos.",
            "Los materiales se publican con licencia abierta.",
            "Incluye tres meses de acompañamiento posterior.",
            "Impartido por profesionales que han gestionado incidentes hospitalarios.",
        ],
    ),
    (
        Pt,
        &[
            "Prioridade para países de rendimento baixo e médio.",
            "Os materiais são publicados com licença aberta.",
            "Inclui três meses de acompanhamento.",
            "Conduzido por profissionais que já trataram incidentes hospitalares.",
        ],
    ),
    (
        Ar,
        &[
            "الأولوية للدول المنخفضة والمتوسطة الدخل.",
            "تُنشر المواد بترخيص مفتوح.",
            "يشمل ثلاثة أشهر من المتابعة.",
            "يقدّمه ممارسون تعاملوا مع حوادث في مستشفيات.",
        ],
    ),
];

/// The offer kinds each kind of provider plausibly offers.
fn offer_kinds(kind: OrganisationKind) -> &'static [OfferKind] {
    use OfferKind::*;
    match kind {
        Donor => &[Funding, Funding, Funding, Training],
        Ngo => &[Training, Exercise, ExpertSupport, Assessment],
        Company => &[Tooling, Assessment, ExpertSupport, Training],
        Academia => &[Training, Assessment, Exercise],
        _ => &[
            Training,
            Exercise,
            ExpertSupport,
            Assessment,
            Tooling,
            Funding,
        ],
    }
}

/// What the demo organisation at `organisation` (an index into `ORGANISATIONS`) posts.
pub struct DemoNeed {
    pub organisation: usize,
    pub input: NeedInput,
    pub publish: bool,
}

pub struct DemoOffer {
    pub organisation: usize,
    pub input: OfferInput,
    pub publish: bool,
}

/// Produces needs and offers one at a time, so that a large seeding never holds them all.
/// The same seed and `today` give the same sequence.
pub struct Generator {
    rng: StdRng,
    today: NaiveDate,
    requesters: Vec<usize>,
    providers: Vec<usize>,
}

fn is_requester(kind: OrganisationKind) -> bool {
    matches!(kind, Ministry | HealthAgency | Hospital)
}

fn fill(template: &str, n: i64, place: &str) -> String {
    template
        .replace("{n}", &n.to_string())
        .replace("{place}", place)
}

/// The translation in `lang`, or the English one.
fn translated<T: Copy>(options: &[(Lang, T)], lang: Lang) -> (Lang, T) {
    options
        .iter()
        .find(|(l, _)| *l == lang)
        .or_else(|| options.iter().find(|(l, _)| *l == En))
        .copied()
        .unwrap_or(options[0])
}

impl Generator {
    pub fn new(seed: u64, today: NaiveDate) -> Self {
        let (requesters, providers) =
            (0..ORGANISATIONS.len()).partition(|&index| is_requester(ORGANISATIONS[index].kind));
        Self {
            rng: StdRng::seed_from_u64(seed),
            today,
            requesters,
            providers,
        }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items.choose(&mut self.rng).expect("non-empty")
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.gen_ratio(percent, 100)
    }

    fn day(&mut self, from: u64, to: u64) -> NaiveDate {
        self.today + Days::new(self.rng.gen_range(from..=to))
    }

    fn delivery_modes(&mut self) -> Vec<DeliveryMode> {
        let mut modes: Vec<DeliveryMode> = DeliveryMode::ALL
            .iter()
            .copied()
            .filter(|_| self.rng.gen_bool(0.5))
            .collect();
        if modes.is_empty() {
            modes.push(self.pick(DeliveryMode::ALL));
        }
        modes
    }

    /// The organisation's main language most of the time, another of its languages otherwise.
    fn language(&mut self, organisation: &DemoOrganisation) -> Lang {
        if organisation.languages.len() > 1 && self.chance(30) {
            self.pick(&organisation.languages[1..])
        } else {
            organisation.languages[0]
        }
    }

    fn sentence(&mut self, table: &[(Lang, &'static [&'static str])], lang: Lang) -> &'static str {
        let (_, sentences) = translated(table, lang);
        self.pick(sentences)
    }

    pub fn need(&mut self) -> DemoNeed {
        let organisation = self.requesters[self.rng.gen_range(0..self.requesters.len())];
        let owner = &ORGANISATIONS[organisation];
        let topic = &NEED_TOPICS[self.rng.gen_range(0..NEED_TOPICS.len())];
        let wanted = self.language(owner);
        let (lang, (title, body)) = translated(
            &topic
                .text
                .iter()
                .map(|(l, t, b)| (*l, (*t, *b)))
                .collect::<Vec<_>>(),
            wanted,
        );
        let quantity = self.rng.gen_range(topic.quantity.0..=topic.quantity.1);
        let context = self.sentence(NEED_CONTEXT, lang);
        let constraint = self.sentence(NEED_CONSTRAINT, lang);
        let mut themes: Vec<String> = topic
            .themes
            .iter()
            .take(self.rng.gen_range(1..=topic.themes.len()))
            .map(|code| (*code).to_owned())
            .collect();
        if self.chance(15) {
            themes.push("supply_chain".to_owned());
        }
        let mut languages = vec![lang.code().to_owned()];
        if lang != En && self.chance(25) {
            languages.push("en".to_owned());
        }
        let urgency = match self.rng.gen_range(0..100) {
            0..=14 => Urgency::Low,
            15..=54 => Urgency::Medium,
            55..=84 => Urgency::High,
            _ => Urgency::Critical,
        };
        let wanted_from = self.chance(50).then(|| self.day(0, 60));
        let wanted_by = self.day(75, 400);
        let budget = self.chance(30).then(|| {
            let amount = self.rng.gen_range(5..=500) * 1_000;
            (amount, owner.currency.to_owned())
        });
        let visibility = match self.rng.gen_range(0..100) {
            0..=49 => NeedVisibility::Public,
            50..=84 => NeedVisibility::VerifiedProviders,
            _ => NeedVisibility::Coordinators,
        };
        // A hospital admitting an attack is the one most likely to want to stay anonymous.
        let anonymous = self.chance(if owner.kind == Hospital { 30 } else { 10 });
        let publish = owner.verified && self.chance(88);
        DemoNeed {
            organisation,
            input: NeedInput {
                title: fill(title, quantity, owner.place),
                description: format!(
                    "{} {context} {constraint}",
                    fill(body, quantity, owner.place)
                ),
                themes,
                country: owner.country.to_owned(),
                languages,
                delivery_modes: self.delivery_modes(),
                urgency,
                quantity,
                wanted_from,
                wanted_by,
                budget_amount: budget.as_ref().map(|(amount, _)| *amount),
                budget_currency: budget.map(|(_, currency)| currency),
                visibility,
                anonymous,
            },
            publish,
        }
    }

    pub fn offer(&mut self) -> DemoOffer {
        let organisation = self.providers[self.rng.gen_range(0..self.providers.len())];
        let owner = &ORGANISATIONS[organisation];
        let kind = self.pick(offer_kinds(owner.kind));
        let candidates: Vec<&OfferTemplate> =
            OFFER_TEMPLATES.iter().filter(|t| t.kind == kind).collect();
        let template = self.pick(&candidates);
        let wanted = self.language(owner);
        let (lang, (title, body)) = translated(
            &template
                .text
                .iter()
                .map(|(l, t, b)| (*l, (*t, *b)))
                .collect::<Vec<_>>(),
            wanted,
        );
        let capacity = self
            .rng
            .gen_range(template.capacity.0..=template.capacity.1);
        let extra = self.sentence(OFFER_EXTRA, lang);
        let mut languages = vec![lang.code().to_owned()];
        for other in owner.languages {
            if *other != lang && self.chance(60) {
                languages.push(other.code().to_owned());
            }
        }
        let (countries, regions, global) = match self.rng.gen_range(0..100) {
            0..=24 => (Vec::new(), Vec::new(), true),
            25..=64 => {
                let count = self.rng.gen_range(1..=2);
                let regions: Vec<Region> = Region::ALL
                    .choose_multiple(&mut self.rng, count)
                    .copied()
                    .collect();
                (Vec::new(), regions, false)
            }
            _ => {
                let count = self.rng.gen_range(1..=6);
                let mut countries: Vec<String> = self
                    .requesters
                    .choose_multiple(&mut self.rng, count)
                    .map(|&index| ORGANISATIONS[index].country.to_owned())
                    .collect();
                countries.sort();
                countries.dedup();
                (countries, Vec::new(), false)
            }
        };
        let available_from = self.chance(60).then(|| self.day(0, 90));
        let available_until = self.chance(80).then(|| self.day(120, 540));
        let funding = (kind == OfferKind::Funding).then(|| {
            let amount = self.rng.gen_range(2..=200) * 5_000;
            (amount, owner.currency.to_owned())
        });
        let visibility = match self.rng.gen_range(0..100) {
            0..=69 => OfferVisibility::Public,
            70..=94 => OfferVisibility::VerifiedOrganisations,
            _ => OfferVisibility::Coordinators,
        };
        let publish = owner.verified && self.chance(88);
        DemoOffer {
            organisation,
            input: OfferInput {
                kind,
                title: fill(title, capacity, owner.place),
                description: format!("{} {extra}", fill(body, capacity, owner.place)),
                themes: template
                    .themes
                    .iter()
                    .take(self.rng.gen_range(1..=template.themes.len()))
                    .map(|code| (*code).to_owned())
                    .collect(),
                countries,
                regions,
                global,
                languages,
                delivery_modes: self.delivery_modes(),
                capacity,
                available_from,
                available_until,
                funding_amount: funding.as_ref().map(|(amount, _)| *amount),
                funding_currency: funding.map(|(_, currency)| currency),
                visibility,
            },
            publish,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::catalogue::themes::{Taxonomy, Theme};
    use crate::catalogue::validate::{validate_need, validate_offer};

    /// The codes the demo uses, as the catalogue migration ships them.
    fn taxonomy() -> Taxonomy {
        let sql = include_str!("../../migrations/sqlite/2026-11-24-000050_catalogue/up.sql");
        Taxonomy::new(sql.lines().filter_map(|line| {
            let code = line.strip_prefix("('")?.split('\'').next()?;
            Some(Theme {
                code: code.to_owned(),
                parent: None,
                name: code.to_owned(),
                description: String::new(),
                version: 1,
                position: 0,
            })
        }))
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn the_same_seed_writes_the_same_text() {
        let (mut a, mut b) = (Generator::new(SEED, today()), Generator::new(SEED, today()));
        for _ in 0..50 {
            let (x, y) = (a.need(), b.need());
            assert_eq!(
                (x.input.title, x.input.description),
                (y.input.title, y.input.description)
            );
        }
        let other = Generator::new(SEED + 1, today()).need();
        assert_ne!(other.input.description, a.need().input.description);
    }

    #[test]
    fn every_generated_record_passes_the_api_validation() {
        let taxonomy = taxonomy();
        assert!(taxonomy.contains("ransomware.backup_recovery"));
        let mut generator = Generator::new(SEED, today());
        for _ in 0..3000 {
            let need = generator.need();
            validate_need(&need.input, &taxonomy, today()).expect("a valid need");
            assert!(
                ORGANISATIONS[need.organisation].kind.side()
                    == crate::accounts::model::Side::Requester
            );
        }
        for _ in 0..1000 {
            let offer = generator.offer();
            validate_offer(&offer.input, &taxonomy, today()).expect("a valid offer");
        }
    }

    #[test]
    fn the_demo_covers_kinds_languages_and_visibilities() {
        let kinds: HashSet<_> = ORGANISATIONS
            .iter()
            .filter(|o| o.verified)
            .map(|o| o.kind)
            .collect();
        assert_eq!(kinds.len(), 8, "every self-registrable kind, verified");
        assert!(ORGANISATIONS.iter().any(|o| !o.verified));
        let keys: HashSet<_> = ORGANISATIONS.iter().map(|o| o.key).collect();
        assert_eq!(keys.len(), ORGANISATIONS.len(), "emails are unique");

        let mut generator = Generator::new(SEED, today());
        let needs: Vec<DemoNeed> = (0..200).map(|_| generator.need()).collect();
        let offers: Vec<DemoOffer> = (0..100).map(|_| generator.offer()).collect();
        let languages: HashSet<_> = needs.iter().map(|n| n.input.languages[0].clone()).collect();
        for code in ["en", "fr", "es", "pt", "ar", "sw"] {
            assert!(languages.contains(code), "a need in {code}");
        }
        let visibilities: HashSet<_> = needs.iter().map(|n| n.input.visibility).collect();
        assert_eq!(visibilities.len(), 3);
        assert!(needs.iter().any(|n| n.input.anonymous));
        assert!(
            needs.iter().any(|n| !n.publish) && needs.iter().filter(|n| n.publish).count() > 150
        );
        let offer_kinds: HashSet<_> = offers.iter().map(|o| o.input.kind).collect();
        assert_eq!(offer_kinds.len(), OfferKind::ALL.len());
        assert!(offers.iter().any(|o| o.input.global));
        assert!(offers.iter().any(|o| !o.input.regions.is_empty()));
        assert!(offers.iter().any(|o| !o.input.countries.is_empty()));
    }
}
