"""What the demo facility contains: people, beamlines, techniques and proposals.

Plain data, so the story of the demo can be read (and changed) in one place. Sessions are given
as "days before today", so the demo always spans the last six years with released (older than the
embargo), embargoed, ongoing and upcoming sessions, whatever the date it is generated on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# username, full name, affiliation. The first nine are the logins of the BRIEF (password `demo`).
PEOPLE: list[tuple[str, str, str]] = [
    ("admin", "Facility administrator", "FACILITY"),
    ("mdubois", "Dr Marie Dubois", "Institut de Biologie Structurale, Grenoble"),
    ("jsmith", "Dr James Smith", "University of Oxford"),
    ("akowalska", "Anna Kowalska", "Jagiellonian University, Kraków"),
    ("pnovak", "Dr Petr Novák", "FACILITY"),
    ("emartin", "Dr Elena Martin", "FACILITY"),
    ("sgarcia", "Sara García", "FACILITY"),
    ("tlee", "Tom Lee", "FACILITY"),
    ("rbrown", "Dr Robert Brown", "University of Edinburgh"),
    # Instrument scientists of the other beamlines.
    ("cmorel", "Dr Camille Morel", "FACILITY"),
    ("lbernard", "Dr Laura Bernard", "FACILITY"),
    ("kwagner", "Dr Klaus Wagner", "FACILITY"),
    ("fmoreau", "Dr Florence Moreau", "FACILITY"),
    ("hchen", "Dr Hao Chen", "FACILITY"),
    ("tandersen", "Dr Tove Andersen", "FACILITY"),
    # Visiting scientists.
    ("ynakamura", "Dr Yuki Nakamura", "Osaka University"),
    ("spatel", "Dr Sunita Patel", "University of Cambridge"),
    ("okarlsson", "Prof. Olof Karlsson", "Lund University"),
    ("iivanova", "Dr Irina Ivanova", "Uppsala University"),
    ("bokafor", "Dr Blessing Okafor", "University of Manchester"),
    ("lmuller", "Dr Lukas Müller", "Paul Scherrer Institut"),
    ("hschmidt", "Dr Hanna Schmidt", "Technische Universität München"),
    ("dnguyen", "Dr Duc Nguyen", "CNRS, Institut Néel"),
    ("grossi", "Dr Giulia Rossi", "Politecnico di Milano"),
    ("cfernandez", "Dr Carlos Fernández", "CSIC, Madrid"),
    ("mjansen", "Dr Maarten Jansen", "Utrecht University"),
    ("fberger", "François Berger", "Université Grenoble Alpes"),
    ("nsilva", "Dr Nuno Silva", "Universidade de Lisboa"),
    ("jwalker", "Dr Julia Walker", "Lumetra Batteries AG"),
]

# Who may be drawn as a participant of the visiting teams (Marie's circle and the outsider are
# placed by hand so their story stays as the BRIEF tells it).
VISITORS = [
    "ynakamura",
    "spatel",
    "okarlsson",
    "iivanova",
    "bokafor",
    "lmuller",
    "hschmidt",
    "dnguyen",
    "grossi",
    "cfernandez",
    "mjansen",
    "fberger",
    "nsilva",
]

# Safety and stores are groups, not staff: staff see every embargoed experiment.
GROUPS = {"Safety": ["sgarcia"], "Stores": ["tlee"]}
STAFF = {"admin"}
SUPERUSERS = {"admin"}

# name -> description (PaNET-like technique names).
TECHNIQUES: dict[str, str] = {
    "macromolecular crystallography": "Atomic structures from protein crystals.",
    "serial crystallography": "Many microcrystals, one still image each, merged into one data set.",
    "small angle x-ray scattering": "Shape and size of particles in solution.",
    "size exclusion chromatography SAXS": "SAXS measured in line with a size exclusion column.",
    "nano diffraction": "Diffraction with a focused beam of a few tens of nanometres.",
    "Bragg coherent diffraction imaging": "3D strain fields of nanocrystals.",
    "x-ray tomography": "3D images reconstructed from projections over 180 or 360 degrees.",
    "phase contrast tomography": "Tomography exploiting propagation-based phase contrast.",
    "x-ray fluorescence microscopy": "Elemental maps with a focused beam.",
    "x-ray absorption near edge structure": "Oxidation state from the edge region.",
    "x-ray absorption spectroscopy": "Absorption coefficient across an element's edge.",
    "extended x-ray absorption fine structure": "Local structure above the edge.",
    "powder diffraction": "Crystalline phases and structure from a powder's diffraction rings.",
    "pair distribution function": "Local order of (dis)ordered materials from total scattering.",
}

# Each technique's term in the PaNET ontology (pan-ontologies/PaNET, source/PaNET.csv): the
# PaNOSC search API and DataCite name techniques by these. Where PaNET has no term of its own
# (SEC-SAXS, Bragg CDI, nano diffraction), the nearest broader one.
_PANET = "http://purl.org/pan-science/PaNET/PaNET"
TECHNIQUE_PIDS: dict[str, str] = {
    "macromolecular crystallography": f"{_PANET}01164",
    "serial crystallography": f"{_PANET}01169",  # serial synchrotron crystallography
    "small angle x-ray scattering": f"{_PANET}01188",
    "size exclusion chromatography SAXS": f"{_PANET}01188",
    "nano diffraction": f"{_PANET}01272",  # nanofocus x-ray scattering
    "Bragg coherent diffraction imaging": f"{_PANET}01174",  # coherent diffraction imaging
    "x-ray tomography": f"{_PANET}01207",
    "phase contrast tomography": f"{_PANET}01332",  # x-ray propagation phase contrast tomography
    "x-ray fluorescence microscopy": f"{_PANET}01113",  # fluorescence microscopy (micro XRF)
    "x-ray absorption near edge structure": f"{_PANET}01199",
    "x-ray absorption spectroscopy": f"{_PANET}01196",
    "extended x-ray absorption fine structure": f"{_PANET}01198",
    "powder diffraction": f"{_PANET}01101",  # x-ray powder diffraction
    "pair distribution function": f"{_PANET}01181",
}


@dataclass(frozen=True)
class Beamline:
    name: str
    kind: str  # which data generator and parameter set the beamline's datasets use
    full_name: str
    description: str
    techniques: list[str]
    scientists: list[str]


BEAMLINES = [
    Beamline(
        "ID23-1",
        "mx",
        "Macromolecular crystallography (tunable energy)",
        "Automated, energy-tunable beamline for macromolecular crystallography with a "
        "sample changer and an EIGER2 pixel detector.",
        ["macromolecular crystallography", "serial crystallography"],
        ["pnovak", "cmorel"],
    ),
    Beamline(
        "BM29",
        "saxs",
        "BioSAXS",
        "Small-angle scattering of biological macromolecules in solution, with an in-line "
        "size exclusion chromatography set-up.",
        ["small angle x-ray scattering", "size exclusion chromatography SAXS"],
        ["emartin"],
    ),
    Beamline(
        "ID01",
        "nanodiff",
        "Nano-diffraction",
        "Strain and structure of nanostructures with a focused coherent beam.",
        ["nano diffraction", "Bragg coherent diffraction imaging"],
        ["lbernard"],
    ),
    Beamline(
        "ID19",
        "tomo",
        "Micro-tomography and imaging",
        "Long beamline for full-field phase-contrast tomography of large objects.",
        ["x-ray tomography", "phase contrast tomography"],
        ["kwagner"],
    ),
    Beamline(
        "ID21",
        "xanes",
        "X-ray microscopy and micro-XANES",
        "Scanning X-ray microscope for fluorescence mapping and micro-XANES in the tender "
        "X-ray range.",
        ["x-ray fluorescence microscopy", "x-ray absorption near edge structure"],
        ["fmoreau"],
    ),
    Beamline(
        "BM23",
        "xas",
        "X-ray absorption spectroscopy",
        "General-purpose XAS beamline for in situ and operando studies.",
        ["x-ray absorption spectroscopy", "extended x-ray absorption fine structure"],
        ["hchen"],
    ),
    Beamline(
        "ID31",
        "powder",
        "High-energy powder diffraction",
        "High-energy beam for powder diffraction and total scattering of materials in "
        "operating conditions.",
        ["powder diffraction", "pair distribution function"],
        ["tandersen"],
    ),
]

SCIENTIFIC_AREA = {
    "MX": "Structural biology",
    "LS": "Life sciences",
    "SC": "Soft condensed matter",
    "HC": "Hard condensed matter",
    "MA": "Materials science",
    "ES": "Earth sciences",
    "EV": "Environment",
    "HG": "Cultural heritage",
    "CH": "Chemistry",
    "IN": "Industry",
}


@dataclass(frozen=True)
class Proposal:
    name: str
    beamline: str
    pi: str
    title: str
    summary: str
    material: str  # what the samples are made of (a sample parameter)
    samples: list[str]
    # (days before today it started, length in days); negative: an upcoming session
    sessions: list[tuple[int, int]]
    participants: list[str] | None = None  # None: drawn at random among the visitors
    collaborators: list[str] = field(default_factory=list)
    proprietary: bool = False
    local_contact: str = ""  # default: the beamline's first scientist


PROPOSALS = [
    # Dr Marie Dubois: released, embargoed and one ongoing session.
    Proposal(
        "MX-2468",
        "ID23-1",
        "mdubois",
        "Structural basis of NADPH-dependent substrate recognition by Plasmodium falciparum "
        "thioredoxin reductase",
        "Thioredoxin reductase is essential to the malaria parasite and absent in this form "
        "from humans. We determine structures of the apo enzyme, its NADPH complex and "
        "complexes with covalent inhibitors to explain the selectivity of a new lead series.",
        "PfTrxR",
        ["PfTrxR_apo", "PfTrxR_NADPH", "PfTrxR_inhib07"],
        [(1890, 2), (200, 2), (45, 1)],
        participants=["jsmith", "fberger"],
    ),
    Proposal(
        "MX-2590",
        "ID23-1",
        "mdubois",
        "Crystallographic fragment screening of the SARS-CoV-2 Nsp3 macrodomain",
        "Fragment soaks of Mac1 crystals identify binders of the ADP-ribose site, starting "
        "points for antivirals that restore the host's interferon response.",
        "Nsp3 Mac1",
        ["Mac1_apo", "Mac1_frag_A03", "Mac1_frag_B11", "Mac1_frag_D07"],
        [(120, 1), (1, 3), (-9, 2)],
        participants=["jsmith"],
        collaborators=["akowalska"],
    ),
    Proposal(
        "MX-2311",
        "ID23-1",
        "mdubois",
        "Cryo-trapping reaction intermediates of a copper nitrite reductase",
        "Crystals soaked with nitrite and flash-cooled after increasing delays reveal the "
        "order of proton and electron transfer at the type 2 copper site.",
        "CuNiR",
        ["CuNiR_resting", "CuNiR_nitrite_30s", "CuNiR_nitrite_120s"],
        [(2170, 2), (1600, 1)],
        participants=["jsmith"],
    ),
    Proposal(
        "SC-5123",
        "BM29",
        "mdubois",
        "Solution conformations of a multi-domain ubiquitin ligase bound to its substrate",
        "SEC-SAXS of the full-length ligase alone and with its substrate shows how the "
        "flexible linker closes the catalytic domains around the target.",
        "HECT ligase",
        ["E3_apo_2mgml", "E3_apo_5mgml", "E3_substrate_3mgml", "buffer_HEPES"],
        [(330, 1)],
        participants=["jsmith"],
    ),
    # Other structural biology groups.
    Proposal(
        "MX-2502",
        "ID23-1",
        "ynakamura",
        "High-resolution structures of a thermostable PET hydrolase with oligomer analogues",
        "Engineered cutinases degrade PET plastic at 70 °C. Complexes with non-hydrolysable "
        "oligomer analogues map the substrate-binding cleft for further engineering.",
        "PETase variant LCC-ICCG",
        ["LCC_ICCG_apo", "LCC_ICCG_MHET", "LCC_ICCG_BHET"],
        [(1450, 1), (980, 2)],
    ),
    Proposal(
        "MX-2633",
        "ID23-1",
        "spatel",
        "Antibody Fab fragments against a conserved malaria invasion protein",
        "Structures of neutralising Fab fragments bound to RH5 define epitopes for a "
        "next-generation blood-stage vaccine.",
        "RH5-Fab complex",
        ["RH5_Fab9AD4", "RH5_FabR5016", "Fab9AD4_free"],
        [(600, 1), (300, 2)],
    ),
    Proposal(
        "MX-2289",
        "ID23-1",
        "okarlsson",
        "A LeuT-fold amino acid transporter crystallised in lipidic cubic phase",
        "Microcrystals grown in lipidic cubic phase capture the inward-open state of a "
        "bacterial transporter.",
        "LeuT homologue",
        ["LeuT_LCP_w1", "LeuT_LCP_w2", "LeuT_Trp"],
        [(2050, 2)],
    ),
    Proposal(
        "LS-3021",
        "BM29",
        "iivanova",
        "Conformational ensembles of intrinsically disordered nucleoporin FG repeats",
        "SAXS of FG-repeat domains at several concentrations and salt conditions constrains "
        "ensemble models of the nuclear pore's selective barrier.",
        "Nup98 FG domain",
        ["Nup98FG_1mgml", "Nup98FG_4mgml", "buffer_PBS"],
        [(1700, 1), (1250, 1)],
    ),
    Proposal(
        "SC-5077",
        "BM29",
        "bokafor",
        "Self-assembly of peptide amphiphile nanofibres in physiological salt",
        "The nanofibre radius and its dependence on ionic strength, measured for a family "
        "of peptide amphiphiles designed as scaffolds for tissue repair.",
        "peptide amphiphile C16-V3A3E3",
        ["PA_0mM_NaCl", "PA_150mM_NaCl", "PA_CaCl2"],
        [(900, 1), (410, 1)],
    ),
    Proposal(
        "LS-3140",
        "BM29",
        "lmuller",
        "Oligomeric state of small heat-shock proteins across temperature",
        "Temperature ramps from 20 to 50 °C follow the dissociation of HSPB1 oligomers "
        "that activates their chaperone function.",
        "HSPB1",
        ["HSPB1_20C", "HSPB1_37C", "HSPB1_45C"],
        [(160, 1), (-3, 1)],
    ),
    Proposal(
        "SC-5210",
        "BM29",
        "okarlsson",
        "Lipid nanodiscs with embedded membrane proteins: shape and stoichiometry",
        "Contrast between lipid and protein gives the number of scaffold proteins and the "
        "shape of the disc around a reconstituted transporter.",
        "MSP1D1 nanodisc",
        ["ND_empty", "ND_LeuT", "buffer_Tris"],
        [(50, 1)],
    ),
    # Hard condensed matter and materials.
    Proposal(
        "HC-4821",
        "ID01",
        "hschmidt",
        "Strain mapping in single InGaN/GaN core-shell nanowires by nano-diffraction",
        "Scanning nano-diffraction maps the indium-induced strain along single nanowires "
        "used as LED emitters, correlated with their cathodoluminescence.",
        "InGaN/GaN",
        ["NW_A03", "NW_B11", "NW_C07"],
        [(2120, 2), (1500, 2)],
    ),
    Proposal(
        "HC-4950",
        "ID01",
        "dnguyen",
        "Ferroelectric domain walls in BaTiO3 grains imaged by Bragg coherent diffraction",
        "3D strain fields of single grains under applied field show how domain walls pin "
        "at grain boundaries.",
        "BaTiO3",
        ["BTO_grain07", "BTO_grain12", "BTO_grain15"],
        [(700, 2), (90, 2)],
    ),
    Proposal(
        "MA-5512",
        "ID01",
        "grossi",
        "Strain relaxation in SiGe quantum-dot islands on patterned Si(001)",
        "Rocking scans of single islands give the lattice tilt and composition gradients "
        "that set the emission of the dots.",
        "SiGe/Si(001)",
        ["SiGe_isl_A", "SiGe_isl_B", "Si_ref"],
        [(1150, 1)],
    ),
    Proposal(
        "HC-5003",
        "ID01",
        "nsilva",
        "Twin domains in shape-memory NiTi thin films",
        "Nano-diffraction across thermal cycles maps the martensite variants that carry the "
        "shape-memory effect.",
        "NiTi film",
        ["NiTi_f1", "NiTi_f2"],
        [(1900, 1)],
    ),
    Proposal(
        "ES-1290",
        "ID19",
        "cfernandez",
        "Pore-network evolution in limestone during CO2-rich brine injection",
        "Time-resolved tomography of limestone cores under flow follows dissolution "
        "channels relevant to geological carbon storage.",
        "limestone",
        ["core_LS1", "core_LS2", "core_LS3"],
        [(1950, 2), (1300, 2), (380, 2)],
    ),
    Proposal(
        "LS-3088",
        "ID19",
        "mjansen",
        "Osteocyte lacunar network in ageing mouse femora by phase-contrast tomography",
        "Sub-micrometre tomography of whole femoral cortices quantifies how the lacunar "
        "network thins with age.",
        "mouse femur",
        ["femur_m03", "femur_m12", "femur_m24"],
        [(1800, 1), (560, 1)],
    ),
    Proposal(
        "HG-0212",
        "ID19",
        "okarlsson",
        "Non-destructive study of insects trapped in Baltic amber",
        "Phase-contrast tomography reveals the internal anatomy of 40-million-year-old "
        "insects without cutting the amber.",
        "Baltic amber",
        ["amber_B17", "amber_B23"],
        [(1000, 1)],
    ),
    Proposal(
        "MA-5620",
        "ID19",
        "bokafor",
        "Operando imaging of lithium plating in pouch cells under fast charging",
        "Fast tomography during 4C charging localises lithium plating at the anode edge.",
        "NMC/graphite pouch cell",
        ["cell_P1", "cell_P2"],
        [(240, 2)],
    ),
    Proposal(
        "EV-0418",
        "ID21",
        "iivanova",
        "Arsenic speciation in rice roots grown in contaminated paddy soils",
        "Micro-XANES at the As K edge distinguishes arsenite and arsenate in root plaque and "
        "tissues, to understand uptake into the grain.",
        "rice root section",
        ["root_Ctrl", "root_As50", "root_As100"],
        [(2000, 2), (850, 1)],
    ),
    Proposal(
        "HG-0198",
        "ID21",
        "grossi",
        "Degradation of chrome yellow pigments in 19th-century paintings",
        "Cr K-edge micro-XANES of paint cross-sections maps the reduction of chromate that "
        "darkens the yellows of late 19th-century paintings.",
        "lead chromate paint",
        ["chip_VG12", "chip_VG15", "PbCrO4_ref"],
        [(1400, 1)],
    ),
    Proposal(
        "ES-1342",
        "ID21",
        "mjansen",
        "Iron redox state in inclusions of subducted oceanic crust",
        "Fe K-edge XANES of garnet inclusions records the oxygen fugacity of deep subduction.",
        "garnet inclusions",
        ["grt_K1", "grt_K4", "grt_K9"],
        [(500, 1)],
    ),
    Proposal(
        "CH-6031",
        "BM23",
        "dnguyen",
        "Operando XAS of single-atom Pt catalysts during CO oxidation",
        "Pt L3-edge spectra under reaction conditions test whether isolated Pt atoms "
        "cluster during light-off.",
        "Pt/CeO2",
        ["Pt_CeO2_fresh", "Pt_CeO2_red", "Pt_foil"],
        [(2160, 2), (1200, 2)],
    ),
    Proposal(
        "CH-6187",
        "BM23",
        "ynakamura",
        "Copper speciation in Cu-CHA zeolites during NH3-SCR",
        "Cu K-edge XAS during selective catalytic reduction follows the Cu(I)/Cu(II) cycle "
        "of the mobile copper complexes.",
        "Cu-CHA zeolite",
        ["CuCHA_ox", "CuCHA_SCR", "CuCHA_red"],
        [(760, 2), (200, 2)],
    ),
    Proposal(
        "MA-5433",
        "BM23",
        "hschmidt",
        "Nickel redox in Ni-rich layered cathodes at high state of charge",
        "Ni K-edge XAS of cycled electrodes links oxygen loss to capacity fade.",
        "LiNi0.9Co0.05Mn0.05O2",
        ["NCM90_pristine", "NCM90_4V3", "NCM90_4V6"],
        [(1050, 1)],
    ),
    Proposal(
        "MA-5390",
        "ID31",
        "lmuller",
        "Phase transitions of the water-harvesting MOF-303 during adsorption cycles",
        "In situ diffraction during humidity cycles follows the framework breathing that "
        "drives water uptake.",
        "MOF-303",
        ["MOF303_dry", "MOF303_RH30", "MOF303_RH80"],
        [(1750, 1), (620, 1)],
    ),
    Proposal(
        "CH-6120",
        "ID31",
        "bokafor",
        "Pair distribution function study of amorphous calcium carbonate precursors",
        "Total scattering of ACC stabilised by magnesium shows the local order that "
        "prefigures calcite or aragonite.",
        "amorphous calcium carbonate",
        ["ACC_Mg0", "ACC_Mg5", "calcite_ref"],
        [(1350, 1)],
    ),
    Proposal(
        "MA-5702",
        "ID31",
        "spatel",
        "In situ synthesis of high-entropy oxides by flash sintering",
        "Fast diffraction during flash sintering catches the transient phases on the way to "
        "a single rock-salt high-entropy oxide.",
        "(MgCoNiCuZn)O",
        ["HEO_green", "HEO_flash1", "HEO_flash2"],
        [(70, 1)],
    ),
    # Industrial beamtime: never released automatically, even past its release date.
    Proposal(
        "IN-1187",
        "ID31",
        "jwalker",
        "Quality control of cathode powder batches (industrial, proprietary)",
        "Proprietary measurement for an industrial customer.",
        "NMC811 cathode powder",
        ["batch_A17", "batch_A18", "batch_B02"],
        [(1600, 1)],
        participants=[],
        proprietary=True,
    ),
]
