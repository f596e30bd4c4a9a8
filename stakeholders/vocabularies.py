"""The maker directory's reference vocabularies, and the project-staff groups.

Reference data, not demo data: migration 0003 writes it in every database, and
`load_demo` writes it again (a test that flushes the database empties it). A
change here comes with a migration that calls `vocabularies_sync` again.
"""

from django.apps import apps as global_apps

# ruff: noqa: E501 -- one vocabulary entry per line reads best as a table

# code: (English, French, Dutch)
PROCESSES = {
    "cnc-machining": ("CNC machining", "Usinage CNC", "CNC-verspanen"),
    "laser-cutting": ("Laser cutting", "Découpe laser", "Lasersnijden"),
    "3d-printing": ("3D printing", "Impression 3D", "3D-printen"),
    "welding": ("Welding", "Soudage", "Lassen"),
    "metalworking": ("Metalworking", "Travail des métaux", "Metaalbewerking"),
    "woodworking": ("Woodworking", "Travail du bois", "Houtbewerking"),
    "sewing": ("Sewing", "Couture", "Naaien"),
    "food-processing": ("Food processing", "Transformation alimentaire", "Voedselverwerking"),
    "printing": ("Printing", "Impression", "Drukken"),
    "electronics-assembly": ("Electronics assembly", "Assemblage électronique", "Elektronica-assemblage"),
    "ceramics": ("Ceramics", "Céramique", "Keramiek"),
    "glass": ("Glassworking", "Travail du verre", "Glasbewerking"),
    "upholstery": ("Upholstery", "Tapisserie d'ameublement", "Stoffering"),
    "repair": ("Repair", "Réparation", "Reparatie"),
    "finishing": ("Surface finishing", "Finition de surface", "Oppervlakteafwerking"),
    "moulding": ("Moulding and casting", "Moulage et fonderie", "Gieten en vormen"),
    "leatherwork": ("Leatherwork", "Travail du cuir", "Lederbewerking"),
    "assembly": ("Product assembly", "Assemblage de produits", "Productassemblage"),
    "prototyping": ("Design and prototyping", "Conception et prototypage", "Ontwerp en prototyping"),
}  # fmt: skip

# Pairs that often meet in one product: one cuts, the other joins or finishes.
COMPLEMENTS = [
    ("cnc-machining", "welding"), ("cnc-machining", "finishing"), ("cnc-machining", "assembly"),
    ("laser-cutting", "welding"), ("laser-cutting", "finishing"), ("laser-cutting", "sewing"),
    ("3d-printing", "electronics-assembly"), ("3d-printing", "moulding"),
    ("woodworking", "upholstery"), ("woodworking", "finishing"), ("woodworking", "metalworking"),
    ("sewing", "upholstery"), ("sewing", "leatherwork"), ("sewing", "printing"),
    ("electronics-assembly", "assembly"), ("electronics-assembly", "repair"),
    ("metalworking", "finishing"), ("metalworking", "glass"),
    ("prototyping", "cnc-machining"), ("prototyping", "3d-printing"), ("prototyping", "laser-cutting"),
    ("ceramics", "glass"), ("food-processing", "printing"), ("repair", "upholstery"),
]  # fmt: skip

# code: (process, English, French, Dutch)
MACHINES = {
    "cnc-router": ("cnc-machining", "CNC router", "Défonceuse CNC", "CNC-freesmachine"),
    "cnc-lathe": ("cnc-machining", "CNC lathe", "Tour CNC", "CNC-draaibank"),
    "cnc-mill": ("cnc-machining", "CNC milling machine", "Fraiseuse CNC", "CNC-freesbank"),
    "co2-laser": ("laser-cutting", "CO₂ laser cutter", "Découpeuse laser CO₂", "CO₂-lasersnijder"),
    "fibre-laser": ("laser-cutting", "Fibre laser cutter", "Découpeuse laser à fibre", "Fiberlasersnijder"),
    "fdm-printer": ("3d-printing", "FDM 3D printer", "Imprimante 3D FDM", "FDM-3D-printer"),
    "resin-printer": ("3d-printing", "Resin 3D printer", "Imprimante 3D résine", "Hars-3D-printer"),
    "mig-welder": ("welding", "MIG/MAG welder", "Poste à souder MIG/MAG", "MIG/MAG-lasapparaat"),
    "tig-welder": ("welding", "TIG welder", "Poste à souder TIG", "TIG-lasapparaat"),
    "press-brake": ("metalworking", "Press brake", "Presse plieuse", "Kantbank"),
    "panel-saw": ("woodworking", "Panel saw", "Scie à panneaux", "Paneelzaag"),
    "planer-thicknesser": ("woodworking", "Planer-thicknesser", "Raboteuse-dégauchisseuse", "Vlak- en vandiktebank"),
    "sewing-machine": ("sewing", "Industrial sewing machine", "Machine à coudre industrielle", "Industriële naaimachine"),
    "embroidery-machine": ("sewing", "Embroidery machine", "Brodeuse", "Borduurmachine"),
    "kiln": ("ceramics", "Kiln", "Four céramique", "Keramiekoven"),
    "glass-furnace": ("glass", "Glass furnace", "Four de verrier", "Glasoven"),
    "risograph": ("printing", "Risograph", "Risographe", "Risograaf"),
    "offset-press": ("printing", "Offset press", "Presse offset", "Offsetpers"),
    "screen-printing": ("printing", "Screen-printing press", "Presse de sérigraphie", "Zeefdrukpers"),
    "pick-and-place": ("electronics-assembly", "Pick-and-place machine", "Machine de placement de composants", "Pick-and-place-machine"),
    "reflow-oven": ("electronics-assembly", "Reflow oven", "Four de refusion", "Reflowoven"),
    "powder-coating": ("finishing", "Powder-coating booth", "Cabine de thermolaquage", "Poedercoatcabine"),
    "spray-booth": ("finishing", "Spray booth", "Cabine de peinture", "Spuitcabine"),
    "injection-moulder": ("moulding", "Injection moulding machine", "Presse à injecter", "Spuitgietmachine"),
    "vacuum-former": ("moulding", "Vacuum former", "Thermoformeuse", "Vacuümvormer"),
    "commercial-kitchen": ("food-processing", "Commercial kitchen", "Cuisine professionnelle", "Professionele keuken"),
    "bottling-line": ("food-processing", "Bottling line", "Ligne d'embouteillage", "Bottellijn"),
}  # fmt: skip


def vocabularies_sync(apps=global_apps) -> None:
    """Create or update processes, machines and staff groups; `apps` may be a migration's."""
    Process = apps.get_model("stakeholders", "Process")
    Machine = apps.get_model("stakeholders", "Machine")
    Group = apps.get_model("auth", "Group")
    processes = {}
    for code, (en, fr, nl) in PROCESSES.items():
        processes[code], _ = Process.objects.update_or_create(
            code=code, defaults={"name": en, "name_en": en, "name_fr": fr, "name_nl": nl}
        )
    for a, b in COMPLEMENTS:
        processes[a].complements.add(processes[b])
        processes[b].complements.add(processes[a])
    for code, (process, en, fr, nl) in MACHINES.items():
        Machine.objects.update_or_create(
            code=code,
            defaults={
                "process": processes[process],
                "name": en,
                "name_en": en,
                "name_fr": fr,
                "name_nl": nl,
            },
        )
    # Project staff: editors write the toolkit, moderators review workspaces.
    # The toolkit's first staff group becomes the editors.
    if not Group.objects.filter(name="editors").exists():
        Group.objects.filter(name="project-staff").update(name="editors")
    for name in ("editors", "moderators"):
        Group.objects.get_or_create(name=name)
