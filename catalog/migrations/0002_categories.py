from django.db import migrations

# The mall's 12 categories, in the mall's order: (name, slug, icon, food).
CATEGORIES = [
    ("쌀/잡곡", "rice-grains", "🌾", True),
    ("과일/채소/꾸러미", "fruit-vegetables", "🍎", True),
    ("축/수산물", "meat-seafood", "🐟", True),
    ("반찬/장류", "side-dishes-sauces", "🥢", True),
    ("가공식품", "processed-food", "🥫", True),
    ("건강식품", "health-food", "🌿", True),
    ("도시락/단체급식", "lunch-catering", "🍱", True),
    ("생활용품", "household", "🧺", False),
    ("교육/문화/체험", "education-culture", "🎨", False),
    ("서비스", "services", "🤝", False),
    ("컴퓨터 주변기기", "computer-accessories", "🖱️", False),
    ("돌봄서비스", "care-services", "🧓", False),
]


def seed(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    for position, (name, slug, icon, food) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "icon": icon, "is_food": food, "position": position * 10}
        )


def unseed(apps, schema_editor):
    apps.get_model("catalog", "Category").objects.filter(slug__in=[c[1] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
