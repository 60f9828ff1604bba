//! The words, countries and reasons the seeded partners are made of.

pub(super) const PREFIXES: [&str; 40] = [
    "Nimbus", "Aurora", "Vertex", "Quantum", "Sahyadri", "Kaveri", "Lotus", "Meridian", "Orion",
    "Zenith", "Helix", "Polaris", "Trident", "Sapphire", "Indus", "Deccan", "Atlas", "Nova",
    "Cobalt", "Falcon", "Saffron", "Banyan", "Everest", "Horizon", "Pinnacle", "Sigma", "Tejas",
    "Vayu", "Agni", "Prism", "Crescent", "Sterling", "Summit", "Cedar", "Harbor", "Beacon", "Apex",
    "Lumen", "Keystone", "Baobab",
];

/// Line of business by partner type, and the type's share of the seeded partners.
pub(super) fn sector(code: &str) -> (&'static [&'static str], u32) {
    match code {
        "Auth_Partner" => (
            &[
                "Bank",
                "Finance",
                "Telecom",
                "Insurance",
                "Payments",
                "Health",
                "Microfinance",
            ],
            30,
        ),
        "Device_Provider" => (
            &["Biometrics", "Sensors", "Devices", "Imaging", "Scanners"],
            20,
        ),
        "Credential_Partner" => (
            &[
                "Credentials",
                "Digital Wallet",
                "Records",
                "Identity Services",
            ],
            10,
        ),
        "Print_Partner" => (
            &["Card Printing", "Print Works", "Security Printing", "Cards"],
            10,
        ),
        "MISP_Partner" => (
            &[
                "Networks",
                "Infra",
                "Data Centres",
                "Cloud Services",
                "Connect",
            ],
            10,
        ),
        "FTM_Provider" => (
            &["Secure Chips", "Silicon", "Semiconductors", "Microsystems"],
            8,
        ),
        "ABIS_Partner" => (&["Biometric Search", "Matching Systems", "AFIS"], 6),
        "Manual_Adjudication" => (
            &[
                "Adjudication Services",
                "Verification Services",
                "Review Desk",
            ],
            6,
        ),
        _ => (&["Solutions", "Systems", "Technologies"], 5),
    }
}

/// The seed policy group of a policy-bound type.
pub(super) fn group_name(code: &str) -> &'static str {
    match code {
        "Auth_Partner" => "seed-auth",
        "Credential_Partner" => "seed-credential",
        "ABIS_Partner" => "seed-abis",
        "Manual_Adjudication" => "seed-adjudication",
        "Print_Partner" => "seed-print",
        _ => "seed-other",
    }
}

pub(super) struct Country {
    pub(super) name: &'static str,
    /// Phone pattern, `#` a random digit (at most 16 characters).
    pub(super) phone: &'static str,
    /// (city, postcode).
    pub(super) cities: &'static [(&'static str, &'static str)],
    pub(super) streets: &'static [&'static str],
    /// Whether the postcode comes before the city.
    pub(super) postcode_first: bool,
    pub(super) languages: &'static [&'static str],
    pub(super) suffixes: &'static [&'static str],
    /// Share of the seeded partners.
    pub(super) weight: u32,
}

pub(super) const COUNTRIES: [Country; 9] = [
    Country {
        name: "India",
        phone: "+91 80 #### ####",
        cities: &[
            ("Bengaluru", "560001"),
            ("Mumbai", "400001"),
            ("Chennai", "600002"),
            ("Hyderabad", "500081"),
            ("Pune", "411001"),
            ("New Delhi", "110001"),
        ],
        streets: &[
            "MG Road",
            "Residency Road",
            "Outer Ring Road",
            "Anna Salai",
            "Nehru Place",
            "Hosur Road",
        ],
        postcode_first: false,
        languages: &["eng", "eng", "hin", "kan", "tam"],
        suffixes: &["Pvt Ltd", "Pvt Ltd", "Ltd", "LLP"],
        weight: 40,
    },
    Country {
        name: "France",
        phone: "+33 1## ### ###",
        cities: &[("Paris", "75008"), ("Lyon", "69002"), ("Toulouse", "31000")],
        streets: &["rue de Rivoli", "avenue Jean Jaurès", "boulevard Haussmann"],
        postcode_first: true,
        languages: &["fra"],
        suffixes: &["SAS", "SA"],
        weight: 8,
    },
    Country {
        name: "Morocco",
        phone: "+212 522 ######",
        cities: &[("Casablanca", "20250"), ("Rabat", "10000")],
        streets: &["Boulevard Mohammed V", "Avenue Hassan II"],
        postcode_first: true,
        languages: &["ara", "fra"],
        suffixes: &["SARL", "SA"],
        weight: 8,
    },
    Country {
        name: "Philippines",
        phone: "+63 2 #### ####",
        cities: &[
            ("Makati", "1226"),
            ("Quezon City", "1100"),
            ("Cebu City", "6000"),
        ],
        streets: &["Ayala Avenue", "EDSA", "Osmeña Boulevard"],
        postcode_first: false,
        languages: &["eng"],
        suffixes: &["Inc", "Corp"],
        weight: 10,
    },
    Country {
        name: "Brazil",
        phone: "+55 11 ####-####",
        cities: &[("São Paulo", "01310-100"), ("Rio de Janeiro", "20040-002")],
        streets: &["Avenida Paulista", "Rua da Assembleia"],
        postcode_first: false,
        languages: &["por"],
        suffixes: &["Ltda", "S.A."],
        weight: 8,
    },
    Country {
        name: "Mexico",
        phone: "+52 55 #### ####",
        cities: &[("Ciudad de México", "06600"), ("Guadalajara", "44100")],
        streets: &["Paseo de la Reforma", "Avenida Chapultepec"],
        postcode_first: true,
        languages: &["spa"],
        suffixes: &["S.A. de C.V.", "S. de R.L."],
        weight: 6,
    },
    Country {
        name: "Spain",
        phone: "+34 91 ### ## ##",
        cities: &[("Madrid", "28013"), ("Barcelona", "08002")],
        streets: &["Gran Vía", "Calle de Alcalá", "Passeig de Gràcia"],
        postcode_first: true,
        languages: &["spa"],
        suffixes: &["S.L.", "S.A."],
        weight: 6,
    },
    Country {
        name: "Ethiopia",
        phone: "+251 11 #######",
        cities: &[("Addis Ababa", "1000")],
        streets: &["Bole Road", "Churchill Avenue"],
        postcode_first: false,
        languages: &["eng"],
        suffixes: &["PLC", "Share Company"],
        weight: 7,
    },
    Country {
        name: "Sri Lanka",
        phone: "+94 11 ### ####",
        cities: &[("Colombo", "00300"), ("Kandy", "20000")],
        streets: &["Galle Road", "Duplication Road"],
        postcode_first: false,
        languages: &["eng", "tam"],
        suffixes: &["(Pvt) Ltd", "PLC"],
        weight: 7,
    },
];

pub(super) const LOCAL_PARTS: [&str; 5] = ["contact", "partners", "onboarding", "admin", "info"];

pub(super) const REJECT_REASONS: [&str; 4] = [
    "The organisation name does not match the registration certificate; correct it and resubmit.",
    "The address is incomplete: give the registered office address with its postcode.",
    "The contact email must be on the organisation's own domain.",
    "The chosen partner type does not match the documents provided.",
];

pub(super) const DEACTIVATE_REASONS: [&str; 4] = [
    "The contract with the operator has ended.",
    "The annual security audit is overdue.",
    "Suspended at the partner's request during a migration.",
    "Repeated failures to renew certificates on time.",
];

/// A type the seed may use: its code, role, group and share.
pub(super) struct SeedType {
    pub(super) code: String,
    pub(super) role: &'static str,
    pub(super) group_id: Option<String>,
    pub(super) weight: u32,
}
