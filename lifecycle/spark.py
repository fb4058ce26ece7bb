"""The one Spark engine of the lifecycle: the job's Spark on Databricks, local PySpark + Delta Lake elsewhere.

Task code is Spark code and names tables as Unity Catalog does (`retail_staging.ml.orders`). On
Databricks `spark_session()` is the cluster's session. Offline it is `local_session()`: PySpark with
Delta Lake, ANSI mode on (Spark 4's default, and Databricks'), and every environment catalog of the
config registered as a catalog through a small Java plugin (`lifecycle/catalog/EnvironmentCatalog.java`)
that keeps each environment's schemas apart in the session catalog. A local store (one warehouse
directory with its Derby metastore) persists between processes, so a task run as a file offline reads
the tables an earlier one wrote; tests and the demo, each one process, keep the catalog in memory.

Delta's Spark jars are not in the `delta-spark` wheel: `install()` fetches them, pinned, from Maven
Central with `mvn` into a cache (`~/.cache/lakestack/jars`, or `LAKESTACK_JARS`) and compiles the
plugin against pyspark's jars with `javac`, once; a warm run touches neither. `make spark` runs it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from lakestack.errors import InputError
from lifecycle.runtime import on_databricks

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from infra.config import PlatformConfig

# Delta Lake for Spark 4.0 (Scala 2.13): the jars matching the pinned delta-spark wheel.
DELTA_VERSION = "4.0.0"
DELTA_ARTIFACTS = (f"io.delta:delta-spark_2.13:{DELTA_VERSION}", f"io.delta:delta-storage:{DELTA_VERSION}")
CATALOG_SOURCE = Path(__file__).resolve().parent / "catalog" / "EnvironmentCatalog.java"
CATALOG_CLASS = "lakestack.EnvironmentCatalog"
LOG_CONFIG = Path(__file__).resolve().parent / "catalog" / "log4j2.properties"
DEFAULT_WAREHOUSE = Path(".lakestack") / "warehouse"
# C1 JIT and the serial collector: a local session starts in a third of the time on a small machine.
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

Print = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def jars_dir() -> Path:
    return Path(os.environ.get("LAKESTACK_JARS") or Path.home() / ".cache" / "lakestack" / "jars")


def _artifact_jar(coordinate: str) -> Path:
    _, artifact, version = coordinate.split(":")
    return jars_dir() / f"{artifact}-{version}.jar"


def catalog_jar() -> Path:
    """The compiled plugin, named by a digest of its source and of pyspark's version (a change recompiles)."""
    import pyspark

    digest = hashlib.sha256(CATALOG_SOURCE.read_bytes() + pyspark.__version__.encode()).hexdigest()[:12]
    return jars_dir() / f"lakestack-catalog-{digest}.jar"


def local_jars() -> list[Path]:
    return [*(_artifact_jar(a) for a in DELTA_ARTIFACTS), catalog_jar()]


def _require_tool(name: str, why: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise InputError(f"'{name}' is not on the PATH; it is needed to {why}",
                         hint="install a JDK 17 and Maven (Debian: apt-get install openjdk-17-jdk-headless maven)")
    return path


def _fetch(coordinate: str, out: Print) -> None:
    mvn = _require_tool("mvn", "fetch Delta Lake's jars from Maven Central")
    out(f"spark: fetching {coordinate} from Maven Central into {jars_dir()} (first run only)")
    command = [mvn, "--batch-mode", "--no-transfer-progress", "dependency:copy", f"-Dartifact={coordinate}",
               f"-DoutputDirectory={jars_dir()}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not _artifact_jar(coordinate).is_file():
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise InputError(f"could not fetch {coordinate} with Maven:\n{tail}",
                         hint="check that Maven Central is reachable, then run `make spark` again")


def _compile_catalog(out: Print) -> None:
    import pyspark

    javac = _require_tool("javac", "compile the local catalog plugin")
    out(f"spark: compiling {CATALOG_SOURCE.name} against pyspark {pyspark.__version__} (first run only)")
    classpath = str(Path(pyspark.__file__).parent / "jars" / "*")
    with tempfile.TemporaryDirectory() as classes:
        done = subprocess.run([javac, "-nowarn", "-d", classes, "-cp", classpath, str(CATALOG_SOURCE)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise InputError(f"javac failed on {CATALOG_SOURCE}:\n{done.stderr.strip()}",
                             hint="a JDK 17 is needed (java -version)")
        partial = catalog_jar().with_suffix(".tmp")
        with zipfile.ZipFile(partial, "w") as jar:
            for path in sorted(Path(classes).rglob("*.class")):
                jar.write(path, path.relative_to(classes).as_posix())
        partial.replace(catalog_jar())  # atomic: a half-written jar never has the final name


def install(out: Print = _stderr) -> list[Path]:
    """Fetch the pinned Delta jars and compile the catalog plugin unless cached; the jar paths."""
    jars_dir().mkdir(parents=True, exist_ok=True)
    for coordinate in DELTA_ARTIFACTS:
        if not _artifact_jar(coordinate).is_file():
            _fetch(coordinate, out)
    if not catalog_jar().is_file():
        _compile_catalog(out)
    return local_jars()


def environment_catalogs(config: PlatformConfig | None) -> list[str]:
    return sorted({env.catalog for env in config.envs()}) if config is not None else []


def register_catalogs(spark: SparkSession, catalogs: Iterable[str]) -> None:
    """Make each name a catalog of the local session (catalogs load lazily, so this works at any time)."""
    for name in catalogs:
        key = f"spark.sql.catalog.{name}"
        if spark.conf.get(key, None) != CATALOG_CLASS:
            spark.conf.set(key, CATALOG_CLASS)


def _builder(warehouse: Path, persistent: bool) -> SparkSession.Builder:
    from pyspark.sql import SparkSession

    jvm = f"{JVM_OPTIONS} -Dlog4j.configurationFile={LOG_CONFIG.as_uri()} -Dderby.system.home={warehouse}"
    builder = (
        SparkSession.builder.master("local[2]").appName("lakestack")
        .config("spark.jars", ",".join(str(j) for j in install()))
        .config("spark.driver.extraJavaOptions", jvm)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.databricks.delta.snapshotPartitions", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.hive.manageFilesourcePartitions", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    if persistent:  # a Derby metastore in the warehouse: tables outlive the process
        builder = builder.enableHiveSupport().config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={warehouse / 'metastore_db'};create=true")
    return builder


def local_session(config: PlatformConfig | None = None, warehouse: Path | None = None, *,
                  persistent: bool = True, out: Print = _stderr) -> SparkSession:
    """The process's local Spark session, created on the first call and reused after.

    `warehouse` (default `LAKESTACK_WAREHOUSE`, else `.lakestack/warehouse`) and `persistent` (a Hive
    metastore in it, versus an in-memory catalog for tests) apply when the session is created; every
    call registers the environment catalogs of `config`.
    """
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    if spark is None:
        where = Path(warehouse or os.environ.get("LAKESTACK_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve()
        where.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        out(f"spark: starting local Spark {_pyspark_version()} with Delta Lake {DELTA_VERSION}, "
            f"warehouse {where}")
        spark = _builder(where, persistent).getOrCreate()
        out(f"spark: ready in {time.monotonic() - started:.1f}s")
    register_catalogs(spark, environment_catalogs(config))
    return spark


def _pyspark_version() -> str:
    import pyspark

    return pyspark.__version__


def spark_session(config: PlatformConfig | None = None) -> SparkSession:
    """The job's Spark on Databricks, else the local session (see `local_session`)."""
    if on_databricks():
        from pyspark.sql import SparkSession

        return SparkSession.builder.getOrCreate()
    return local_session(config)


def warehouse_of(spark: SparkSession) -> str:
    return str(spark.conf.get("spark.sql.warehouse.dir"))


def main(argv: list[str] | None = None) -> int:
    """`python -m lifecycle.spark`: install the jars and the plugin (what `make spark` runs)."""
    try:
        for jar in install(out=print):
            print(f"spark: {jar}")
    except InputError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
