import java.util.List;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * The test suite's database: mongo-java-server, in memory, on 127.0.0.1. Run with Java's
 * single-file source launcher: {@code java -cp '<jars>/*' MongoServerMain.java <port>} (0 = any
 * free port). Prints {@code listening 127.0.0.1:<port>} on stdout once it accepts connections.
 */
public class MongoServerMain {

    /**
     * mongoose 9's driver refuses wire version 8, the highest of the library's built-in versions;
     * the backend takes any version, and nothing the bot uses differs at 4.4.
     */
    enum Mongo44 implements MongoVersion {
        INSTANCE;

        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
        }

        @Override
        public int getWireVersion() {
            return 9;
        }
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        MongoServer server = new MongoServer(new MemoryBackend().version(Mongo44.INSTANCE));
        server.bind("127.0.0.1", port);
        // SIGTERM runs shutdown hooks; close the sockets so clients see a clean end.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        System.out.println("listening 127.0.0.1:" + server.getLocalAddress().getPort());
        System.out.flush();

        // The parent holds our stdin open; when it exits, even by a crash or SIGKILL, stdin reaches
        // end-of-file and we exit too, so no orphan server outlives a test run.
        while (System.in.read() != -1) {
            // Nothing is expected on stdin; anything written is ignored.
        }
        System.exit(0);
    }
}
